// The fixed error taxonomy shared by ESM, evaluation reports, preference pairs and the UI.
// It names what went wrong in a predicted turn; BFCL's own error_type strings live in bfcl_checker.ts.
import type { Span } from './json_spans.ts';

export const ERROR_CATEGORIES = [
  /** The text tried to be a call but is malformed (unclosed tag, invalid JSON, bad shape). */
  'format',
  /** Plain text where a call was due. */
  'no_call',
  /** A call where none was due (plain-text or irrelevance turn). */
  'irrelevance',
  /** The tool name differs from the ground truth (including names not in the tool list). */
  'wrong_name',
  /** A parameter the predicted tool's schema requires is absent from the prediction. */
  'missing_required',
  /** A ground-truth argument the schema does not require is absent from the prediction. */
  'missing_key',
  /** A predicted key the tool's schema does not define. */
  'unknown_key',
  /** A predicted key the schema defines but the ground truth does not use. */
  'extra_key',
  /** A value whose JSON type is not the schema's type. */
  'wrong_type',
  /** A value that differs from the ground truth (partial string matches included). */
  'wrong_value',
  /** More or fewer calls than the ground truth in the turn. */
  'wrong_count',
] as const;

export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface CallError {
  category: ErrorCategory;
  message: string;
  /** The argument concerned, where one is. */
  param?: string;
  /** Where in the raw text (when the prediction was text). */
  span?: Span;
  /** Index of the predicted call concerned, in the parsed order. */
  call?: number;
}
