// Types for tool schemas in the OpenAI function-calling form, shared by tools, data, scoring and the UI.
// Validation of arguments against a schema lives in validate.ts, not here.

/** The subset of JSON Schema our tools and importers use. */
export interface JsonSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null' | string;
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
  [extra: string]: unknown;
}

/** `{type: "function", function: {name, description, parameters}}` as OpenAI, TRL and HF chat templates use. */
export interface ToolSchema {
  type: 'function';
  function: {
    name: string;
    description: string;
    parameters: JsonSchema & { type: 'object'; properties: Record<string, JsonSchema>; required?: string[] };
  };
}
