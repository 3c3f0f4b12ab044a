/**
 * The runtime's words: keys into the catalogues of src/locales/<lang>/, which the build
 * merges into every node's catalogue, so that a node's RED._ finds them as core nodes find
 * theirs. Without Node-RED (lib tests, the simulator's callers) the English catalogue is
 * read from disk. Parameters are written `__name__`, as in Node-RED's catalogues.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type Params = Readonly<Record<string, string | number>>;
export type Translate = (key: string, params?: Params) => string;

type Catalog = { [key: string]: string | Catalog };

/** dist/src/lib → dist/src/locales (the build copies them there). */
const LOCALES = path.join(__dirname, '..', 'locales');

let english: Catalog | undefined;

/** Every file's keys under one tree: errors.json and rules.json both hold `aims360.…`. */
function mergeInto(into: Catalog, from: Catalog): Catalog {
  for (const [name, value] of Object.entries(from)) {
    const there = into[name];
    into[name] = typeof value === 'object' && typeof there === 'object' ? mergeInto(there, value) : value;
  }
  return into;
}

/** The English catalogue, as the build merges src/locales/en-US/*.json. */
function englishCatalog(): Catalog {
  if (!english) {
    const dir = path.join(LOCALES, 'en-US');
    english = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      mergeInto(english, JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Catalog);
    }
  }
  return english;
}

/** The English text of a key, or undefined when the catalogue has none. */
export function englishTemplate(key: string): string | undefined {
  let at: string | Catalog | undefined = englishCatalog();
  for (const part of key.split('.')) at = typeof at === 'object' ? at[part] : undefined;
  return typeof at === 'string' ? at : undefined;
}

/** `__name__` replaced by its parameter, as i18next does in Node-RED (its pattern: `__(.+?)__`). */
export function fill(template: string, params: Params = {}): string {
  return template.replace(/__(.+?)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

function inEnglish(key: string, params?: Params): string {
  const template = englishTemplate(key);
  if (template === undefined) throw new Error(`No message "${key}" in src/locales/en-US`);
  return fill(template, params);
}

let translate: Translate = inEnglish;

/** Node-RED's RED._ once a node module loads; undefined goes back to English. */
export function useTranslator(next: Translate | undefined): void {
  translate = next ?? inEnglish;
}

/** A runtime message in the user's language (English when the catalogue lacks it). */
export function text(key: string, params?: Params): string {
  const translated = translate(key, params);
  // i18next answers the key itself (after its namespace, "node:") when it has no text for it.
  const missing = !translated || translated === key || translated.endsWith(`:${key}`);
  return missing ? inEnglish(key, params) : translated;
}
