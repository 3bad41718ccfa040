// The rules behind `npm run check:l10n`: every message the sources pass to l10n.t has a zh-cn translation with the
// same placeholders, every %key% of the manifest is in package.nls.json and translated in package.nls.zh-cn.json,
// and the manifest shows the user no untranslatable text. Pure functions, so a unit test can show each rule failing.
import type { l10nJsonFormat, l10nJsonMessageFormat } from '@vscode/l10n-dev';

export interface L10nInputs {
  /** What @vscode/l10n-dev exports from the sources (the English bundle, keyed as VS Code looks messages up). */
  sourceMessages: l10nJsonFormat;
  /** l10n/bundle.l10n.zh-cn.json. */
  bundleZh: l10nJsonFormat;
  /** package.nls.json and package.nls.zh-cn.json. */
  nls: Record<string, string>;
  nlsZh: Record<string, string>;
  /** package.json as text. */
  manifestText: string;
}

function messageText(message: l10nJsonMessageFormat): string {
  return typeof message === 'string' ? message : message.message;
}

/** `{0}`, `{1}`, `{name}`: the holes l10n.t fills, which a translation must keep. */
function placeholders(text: string): string[] {
  return [...new Set(text.match(/\{[A-Za-z0-9_]+\}/g) ?? [])].sort();
}

const hasHan = /\p{Script=Han}/u;

/** The product's name stays the same in every language, as on the marketplace. */
const namesKeptInEveryLanguage = new Set(['displayName']);

function checkPair(kind: string, key: string, english: string, translated: string | undefined, problems: string[]): void {
  if (translated === undefined) {
    problems.push(`${kind}: no zh-cn translation for ${JSON.stringify(key)}`);
    return;
  }
  if (!translated.trim()) {
    problems.push(`${kind}: empty zh-cn translation for ${JSON.stringify(key)}`);
    return;
  }
  const want = placeholders(english).join(' ');
  const got = placeholders(translated).join(' ');
  if (want !== got) problems.push(`${kind}: the zh-cn translation of ${JSON.stringify(key)} has placeholders [${got}], not [${want}]`);
  // A translation that is the English text again is an untranslated key, unless the text has no words to translate
  // (a bare placeholder, a product name, a path).
  if (translated === english && !namesKeptInEveryLanguage.has(key) && /[A-Za-z]{3,}\s+[A-Za-z]{3,}/.test(english.replace(/\{[^}]*\}/g, '')) && !hasHan.test(translated)) {
    problems.push(`${kind}: the zh-cn translation of ${JSON.stringify(key)} is the English text`);
  }
}

export function findL10nProblems(inputs: L10nInputs): string[] {
  const problems: string[] = [];
  for (const [key, message] of Object.entries(inputs.sourceMessages)) {
    const translated = inputs.bundleZh[key];
    checkPair('bundle', key, messageText(message), translated === undefined ? undefined : messageText(translated), problems);
  }
  for (const key of Object.keys(inputs.bundleZh)) {
    if (!(key in inputs.sourceMessages)) problems.push(`bundle: ${JSON.stringify(key)} is translated but no source uses it any more`);
  }
  const manifestKeys = new Set([...inputs.manifestText.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1] as string));
  for (const key of manifestKeys) {
    if (!(key in inputs.nls)) problems.push(`package.json: %${key}% is not in package.nls.json`);
  }
  for (const [key, english] of Object.entries(inputs.nls)) {
    if (!manifestKeys.has(key)) problems.push(`package.nls.json: ${key} is not used by package.json`);
    checkPair('package.nls', key, english, inputs.nlsZh[key], problems);
  }
  for (const key of Object.keys(inputs.nlsZh)) {
    if (!(key in inputs.nls)) problems.push(`package.nls.zh-cn.json: ${key} is not in package.nls.json`);
  }
  problems.push(...untranslatableManifestText(inputs.manifestText));
  return problems;
}

interface ManifestShape {
  contributes?: {
    commands?: { command: string; title: string; category?: string; shortTitle?: string }[];
    views?: Record<string, { id: string; name: string }[]>;
    viewsContainers?: Record<string, { id: string; title: string }[]>;
    viewsWelcome?: { view: string; contents: string }[];
    configuration?: { title?: string; properties?: Record<string, { description?: string; markdownDescription?: string; enumDescriptions?: string[] }> };
    walkthroughs?: { id: string; title: string; description: string; steps: { id: string; title: string; description: string }[] }[];
  };
}

/** Text the user reads in the manifest must be a %key%, or it would stay English in every language. */
function untranslatableManifestText(manifestText: string): string[] {
  const manifest = JSON.parse(manifestText) as ManifestShape;
  const problems: string[] = [];
  const need = (where: string, text: string | undefined) => {
    if (text !== undefined && !/^%[^%]+%$/.test(text)) problems.push(`package.json: ${where} is not localizable: ${JSON.stringify(text)}`);
  };
  const c = manifest.contributes ?? {};
  for (const command of c.commands ?? []) {
    need(`the title of ${command.command}`, command.title);
    need(`the category of ${command.command}`, command.category);
    need(`the short title of ${command.command}`, command.shortTitle);
  }
  for (const views of Object.values(c.views ?? {})) for (const view of views) need(`the name of view ${view.id}`, view.name);
  for (const containers of Object.values(c.viewsContainers ?? {})) for (const container of containers) need(`the title of ${container.id}`, container.title);
  for (const welcome of c.viewsWelcome ?? []) need(`the welcome content of ${welcome.view}`, welcome.contents);
  need('the settings title', c.configuration?.title);
  for (const [name, property] of Object.entries(c.configuration?.properties ?? {})) {
    need(`the description of ${name}`, property.description);
    need(`the description of ${name}`, property.markdownDescription);
    property.enumDescriptions?.forEach((text, i) => need(`enum description ${i} of ${name}`, text));
  }
  for (const walkthrough of c.walkthroughs ?? []) {
    need(`the title of walkthrough ${walkthrough.id}`, walkthrough.title);
    need(`the description of walkthrough ${walkthrough.id}`, walkthrough.description);
    for (const step of walkthrough.steps) {
      need(`the title of step ${step.id}`, step.title);
      need(`the description of step ${step.id}`, step.description);
    }
  }
  return problems;
}
