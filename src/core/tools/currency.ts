// Money tools over a fixed, shipped exchange-rate table (units of currency per 1 USD); rates never
// update, so results are reproducible. Not financial data.
import { functionSchema, roundTo, type Tool } from './tool.ts';

export const USD_RATES: Record<string, number> = {
  USD: 1, EUR: 0.92, GBP: 0.79, JPY: 150, CHF: 0.88, CAD: 1.36, AUD: 1.52, CNY: 7.2, INR: 83, MXN: 17,
  BRL: 5, KRW: 1330, SEK: 10.5, NOK: 10.6, ZAR: 18.5, SGD: 1.34, NZD: 1.64, TRY: 32, EGP: 48, PLN: 4,
};
export const CURRENCIES = Object.keys(USD_RATES);

const code = (description: string) => ({ type: 'string', enum: CURRENCIES, description });

export const CURRENCY_TOOLS: Tool[] = [
  {
    domain: 'currency',
    schema: functionSchema('convert_currency', 'Convert an amount of money between currencies at the fixed reference rates.', {
      amount: { type: 'number', minimum: 0, description: 'The amount to convert.' },
      from_currency: code('ISO code of the amount.'),
      to_currency: code('ISO code to convert to.'),
    }, ['amount', 'from_currency', 'to_currency']),
    execute: (args) => ({
      amount: roundTo(((args.amount as number) / USD_RATES[args.from_currency as string]) * USD_RATES[args.to_currency as string], 2),
      currency: args.to_currency,
    }),
  },
  {
    domain: 'currency',
    schema: functionSchema('get_exchange_rate', 'The fixed reference rate: how many units of quote currency one unit of base buys.', {
      base: code('Base currency code.'),
      quote: code('Quote currency code.'),
    }, ['base', 'quote']),
    execute: (args) => ({ base: args.base, quote: args.quote, rate: roundTo(USD_RATES[args.quote as string] / USD_RATES[args.base as string], 4) }),
  },
  {
    domain: 'currency',
    schema: functionSchema('split_bill', 'Split a bill between people, optionally adding a tip first.', {
      total: { type: 'number', minimum: 0, description: 'The bill total.' },
      people: { type: 'integer', minimum: 1, maximum: 100, description: 'How many people pay.' },
      tip_percent: { type: 'number', minimum: 0, maximum: 100, description: 'Tip as a percentage (default 0).' },
    }, ['total', 'people']),
    execute: (args) => {
      const total = (args.total as number) * (1 + ((args.tip_percent as number | undefined) ?? 0) / 100);
      return { total_with_tip: roundTo(total, 2), per_person: roundTo(total / (args.people as number), 2) };
    },
  },
];
