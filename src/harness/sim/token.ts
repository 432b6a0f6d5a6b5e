/**
 * Replay tokens: one string that reproduces a simulated run step for step. It carries the whole
 * schedule spec (scenario, bugs, seed, strategy, sizes) and, for a shrunk run, its decision script
 * stored sparsely (most decisions are 0) and deflated. Format: `mt1.` + base64url(deflate(JSON)).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ScheduleSpec } from './schedule.js';
import { checkSpec } from './schedule.js';

const PREFIX = 'mt1.';

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** [length, position, value, position, value, ...] for the non-zero decisions. */
function sparse(script: readonly number[]): number[] {
  const out = [script.length];
  for (let i = 0; i < script.length; i++) if (script[i] !== 0) out.push(i, script[i]);
  return out;
}

function dense(encoded: unknown): number[] {
  if (!Array.isArray(encoded) || encoded.length % 2 !== 1 || !encoded.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new TokenError('the decision script is malformed');
  }
  const script = new Array<number>(encoded[0] as number).fill(0);
  for (let i = 1; i < encoded.length; i += 2) {
    const at = encoded[i] as number;
    if (at >= script.length) throw new TokenError('the decision script is malformed');
    script[at] = encoded[i + 1] as number;
  }
  return script;
}

export function encodeToken(spec: ScheduleSpec): string {
  const { script, ...rest } = spec;
  const body = JSON.stringify(script === undefined ? rest : { ...rest, script: sparse(script) });
  return PREFIX + deflateRawSync(Buffer.from(body)).toString('base64url');
}

export function decodeToken(token: string): ScheduleSpec {
  const text = token.trim();
  if (!text.startsWith(PREFIX)) throw new TokenError(`a replay token starts with '${PREFIX}' (got '${text.slice(0, 12)}...')`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(inflateRawSync(Buffer.from(text.slice(PREFIX.length), 'base64url')).toString()) as Record<string, unknown>;
  } catch {
    throw new TokenError('the replay token is damaged (it does not decode); copy it whole from the report');
  }
  const spec = { ...parsed, script: parsed.script === undefined ? undefined : dense(parsed.script) } as ScheduleSpec;
  if (spec.script === undefined) delete spec.script;
  try {
    checkSpec(spec);
  } catch (error) {
    throw new TokenError(`the replay token holds a bad schedule: ${error instanceof Error ? error.message : String(error)}`);
  }
  return spec;
}
