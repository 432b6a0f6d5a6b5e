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

/** A run makes a few decisions per step at most, and at most four step bounds of steps. */
function dense(encoded: unknown, stepBound: number): number[] {
  if (!Array.isArray(encoded) || encoded.length % 2 !== 1 || !encoded.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new TokenError('the decision script is malformed');
  }
  if ((encoded[0] as number) > 16 * stepBound) {
    throw new TokenError(`the decision script is longer (${encoded[0]}) than a run with step bound ${stepBound} can use`);
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateRawSync(Buffer.from(text.slice(PREFIX.length), 'base64url'), { maxOutputLength: 1 << 26 }).toString());
  } catch {
    throw new TokenError('the replay token is damaged (it does not decode); copy it whole from the report');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TokenError('the replay token holds no schedule');
  const { script, ...rest } = parsed as Record<string, unknown>;
  const spec = rest as unknown as ScheduleSpec;
  try {
    checkSpec(spec);
  } catch (error) {
    throw new TokenError(`the replay token holds a bad schedule: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (script !== undefined) spec.script = dense(script, spec.stepBound);
  return spec;
}
