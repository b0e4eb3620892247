// Requests no catalog tool can serve (weather, email, music, ...) and the plain refusals that
// answer them; irrelevance samples teach the model not to force a call.
import type { Rng } from '../rng.ts';
import { CITIES } from '../tools/geo_data.ts';

const city = (rng: Rng): string => rng.pick(CITIES).name;
const NAMES = ['Maria', 'Tom', 'my boss', 'Aunt Julia', 'the landlord', 'Priya', 'Coach Lee'];
const TOPICS = ['autumn', 'the sea', 'coffee', 'friendship', 'robots', 'my cat', 'Monday mornings', 'the moon'];

export const IRRELEVANT_REQUESTS: ((rng: Rng) => string)[] = [
  (rng) => `what will the weather be like in ${city(rng)} tomorrow`,
  (rng) => `book me a flight from ${city(rng)} to ${city(rng)}`,
  (rng) => `send an email to ${rng.pick(NAMES)} saying I will be late`,
  (rng) => `play some ${rng.pick(['jazz', 'rock', 'classical', 'lo-fi'])} music`,
  (rng) => `translate '${rng.pick(['good morning', 'thank you very much', 'where is the station'])}' into ${rng.pick(['French', 'German', 'Japanese', 'Spanish'])}`,
  (rng) => `what is the stock price of ${rng.pick(['Apple', 'Tesla', 'Nvidia', 'Siemens'])} right now`,
  (rng) => `write a short poem about ${rng.pick(TOPICS)}`,
  (rng) => `order a taxi to the ${city(rng)} airport`,
  (rng) => `tell me a joke about ${rng.pick(TOPICS)}`,
  (rng) => `turn off the lights in the ${rng.pick(['kitchen', 'bedroom', 'garage', 'living room'])}`,
  (rng) => `recommend a movie like ${rng.pick(['Inception', 'Amelie', 'Up', 'Alien'])}`,
  (rng) => `who won the ${rng.pick(['football', 'basketball', 'tennis'])} match last night`,
  (rng) => `call ${rng.pick(NAMES)} on my phone`,
  () => 'what is my bank balance',
  (rng) => `summarize today's news about ${rng.pick(['science', 'politics', 'sports'])}`,
  (rng) => `check if ${rng.pick(['the pharmacy', 'the post office', 'my gym'])} in ${city(rng)} is open now`,
];

export function refusal(rng: Rng, capabilities: string[]): string {
  const caps = [...new Set(capabilities)];
  const list = caps.length > 1 ? `${caps.slice(0, -1).join(', ')} and ${caps[caps.length - 1]}` : caps[0];
  return rng.pick([
    `Sorry, I can't help with that: the tools I have only let me ${list}.`,
    `None of my tools can do that. I can only ${list}.`,
    `I'm not able to do that with the available tools, which ${list.startsWith('do') ? 'can' : 'can only'} ${list}.`,
    `That is outside what my tools cover (they ${list}), so I can't answer it.`,
  ]);
}
