import type { CorefileFacts } from './types.js';

/** One server block: `.:53 { ... }`, `cluster.local:53 { ... }`. */
export interface ServerBlock {
  /** The keys as written (`.:53`, `dns://cluster.local`). */
  keys: string[];
  /** The zones of the keys: lower case, no scheme, port or trailing dot (`.` is the root, written ``). */
  zones: string[];
  /** Plugin names in the order written. */
  plugins: string[];
}

/** What a Corefile says about cluster DNS. */
export interface ParsedCorefile extends CorefileFacts {
  /** A `kubernetes` plugin line exists in some server block. */
  hasKubernetes: boolean;
  serverBlocks: ServerBlock[];
  /** `import` arguments (other files or snippets): kdiag does not follow files, so their content is unknown. */
  imports: string[];
}

interface Token {
  text: string;
  line: number;
}

/** Splits into words, `{`, `}` and newlines; drops `#` comments; keeps quoted strings whole. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    let cur = '';
    let quote = false;
    const flush = () => {
      if (cur !== '') out.push({ text: cur, line });
      cur = '';
    };
    for (let j = 0; j < raw.length; j++) {
      const c = raw[j]!;
      if (quote) {
        if (c === '"') quote = false;
        else cur += c;
        continue;
      }
      if (c === '"') quote = true;
      else if (c === '#' && cur === '') break;
      else if (/\s/.test(c)) flush();
      else if (c === '{' && raw[j + 1] === '$' && raw.indexOf('}', j) > j) {
        // {$ENV} placeholders stay inside their word.
        const end = raw.indexOf('}', j);
        cur += raw.slice(j, end + 1);
        j = end;
      } else if (c === '{' || c === '}') {
        flush();
        out.push({ text: c, line });
      } else cur += c;
    }
    flush();
    out.push({ text: '\n', line });
  });
  return out;
}

/** `dns://Cluster.Local.:53` -> `cluster.local`; `.:53` -> `` (the root). */
export function zoneOfKey(key: string): string {
  let k = key.toLowerCase().replace(/^[a-z]+:\/\//, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash); // 10.0.0.0/8 reverse-zone notation: keep the network part out
  k = k.replace(/:\d+$/, '');
  return k.replace(/\.$/, '');
}

/**
 * Reads a CoreDNS Corefile: its server blocks, and from the `kubernetes` plugin its zones (every zone listed on
 * the plugin line is served; with none listed, the server block's zones), `ignore empty_service` and the `pods`
 * mode. Tolerates comments, several server blocks, `.:53 {`, snippets `(name) { ... }` and `import` lines.
 * Never throws: an unreadable file gives no server blocks.
 */
export function parseCorefile(text: string): ParsedCorefile {
  const toks = tokenize(text);
  const result: ParsedCorefile = { hasKubernetes: false, zones: [], ignoreEmptyService: false, serverBlocks: [], imports: [] };
  let i = 0;
  const skipNewlines = () => {
    while (i < toks.length && toks[i]!.text === '\n') i++;
  };
  /** Reads one directive line: its words, and its block's lines when it opens one. */
  const readDirective = (): { words: string[]; body: string[][] } => {
    const words: string[] = [];
    const body: string[][] = [];
    while (i < toks.length && toks[i]!.text !== '\n' && toks[i]!.text !== '{' && toks[i]!.text !== '}') words.push(toks[i++]!.text);
    if (toks[i]?.text === '{') {
      i++;
      let depth = 1;
      let line: string[] = [];
      while (i < toks.length && depth > 0) {
        const t = toks[i++]!.text;
        if (t === '{') depth++;
        else if (t === '}') depth--;
        else if (t === '\n') {
          if (line.length) body.push(line);
          line = [];
        } else if (depth === 1) line.push(t);
      }
      if (line.length) body.push(line);
    }
    return { words, body };
  };

  while (i < toks.length) {
    skipNewlines();
    if (i >= toks.length) break;
    const keys: string[] = [];
    while (i < toks.length && toks[i]!.text !== '{' && toks[i]!.text !== '\n') keys.push(toks[i++]!.text.replace(/,$/, ''));
    if (toks[i]?.text !== '{') {
      // A top-level line without a block: `import file` or stray text.
      if (keys[0] === 'import' && keys[1]) result.imports.push(keys[1]);
      continue;
    }
    i++;
    const snippet = keys.length === 1 && /^\(.*\)$/.test(keys[0]!);
    const block: ServerBlock = { keys, zones: keys.map(zoneOfKey), plugins: [] };
    let depth = 1;
    while (i < toks.length && depth > 0) {
      skipNewlines();
      const t = toks[i];
      if (!t) break;
      if (t.text === '}') {
        depth--;
        i++;
        continue;
      }
      if (t.text === '{') {
        // A block without a directive name: skip it.
        readDirective();
        continue;
      }
      const d = readDirective();
      const name = d.words[0];
      if (!name) continue;
      block.plugins.push(name);
      if (name === 'import' && d.words[1]) result.imports.push(d.words[1]);
      if (name === 'kubernetes' && !snippet) {
        result.hasKubernetes = true;
        const zones = d.words.slice(1).map(zoneOfKey);
        for (const z of zones.length > 0 ? zones : block.zones) if (!result.zones.includes(z)) result.zones.push(z);
        for (const line of d.body) {
          if (line[0] === 'ignore' && line.includes('empty_service')) result.ignoreEmptyService = true;
          if (line[0] === 'pods' && (line[1] === 'disabled' || line[1] === 'insecure' || line[1] === 'verified')) result.pods = line[1];
        }
      }
    }
    if (!snippet) result.serverBlocks.push(block);
  }
  return result;
}

/** The cluster domain a Corefile serves: the first `kubernetes` zone that is not a reverse zone. */
export function clusterDomainOf(c: ParsedCorefile): string | undefined {
  return c.zones.find((z) => z !== '' && !z.endsWith('in-addr.arpa') && !z.endsWith('ip6.arpa'));
}

/** The facts `explainDns` takes. */
export function corefileFacts(c: ParsedCorefile): CorefileFacts {
  // The plugin's own default for pod records is `disabled`.
  const pods = c.pods ?? (c.hasKubernetes ? 'disabled' : undefined);
  return { zones: c.zones, ignoreEmptyService: c.ignoreEmptyService, ...(pods ? { pods } : {}) };
}

/** The ConfigMap AKS's Corefile imports as `custom/*.server` and `custom/*.override` (mounted at `custom/`). */
export const CUSTOM_COREFILE_CONFIGMAP = 'coredns-custom';

/** True when the Corefile imports files from the `custom/` folder (AKS mounts coredns-custom there). */
export function importsCustom(c: ParsedCorefile): boolean {
  return c.imports.some((i) => i.startsWith('custom/'));
}

/**
 * The Corefile with each `import custom/GLOB` line replaced by the ConfigMap entries whose keys match GLOB (`*` only),
 * in key order, as CoreDNS reads the mounted files: `*.server` entries become server blocks, `*.override` entries
 * directives of the block that imports them. Returns the keys it used.
 */
export function expandCustomImports(text: string, data: Readonly<Record<string, string>>): { text: string; used: string[] } {
  const used: string[] = [];
  const keys = Object.keys(data).sort();
  const out = text.replace(/^[ \t]*import[ \t]+custom\/(\S+)[ \t]*$/gm, (_line, glob: string) => {
    const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    const hits = keys.filter((k) => re.test(k));
    for (const k of hits) if (!used.includes(k)) used.push(k);
    return hits.map((k) => data[k]!.replace(/\n$/, '')).join('\n');
  });
  return { text: out, used };
}
