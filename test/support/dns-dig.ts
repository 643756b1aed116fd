/**
 * Runs the real `dig` (BIND 9.18) against a server on loopback and parses its
 * output into comparable pieces: status, header flags, sections (one
 * normalised line per record), the ECS line, EDNS payload size and the
 * transport dig reports.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigResult {
  status: string;
  id: number;
  /** Header flags as dig prints them, sorted (e.g. ['aa', 'qr']). */
  flags: string[];
  question: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** `; CLIENT-SUBNET: 10.2.3.0/24/16` → '10.2.3.0/24/16'. */
  clientSubnet?: string;
  /** EDNS udp payload size of the response, when it had OPT. */
  ednsUdp?: number;
  /** 'UDP' or 'TCP' from the ;; SERVER line. */
  transport?: string;
  raw: string;
}

/** Collapses runs of whitespace so record lines compare as text. */
const norm = (line: string) => line.trim().split(/\s+/).join(' ');

export function parseDig(out: string): DigResult {
  const lines = out.split('\n');
  const header = /->>HEADER<<- opcode: (\w+), status: (\w+), id: (\d+)/.exec(out);
  const flags = /;; flags:([^;]*);/.exec(out);
  const section = (name: string): string[] => {
    const start = lines.findIndex((l) => l.startsWith(`;; ${name} SECTION:`));
    if (start < 0) return [];
    const outLines: string[] = [];
    for (let i = start + 1; i < lines.length && lines[i]!.trim() !== ''; i++) outLines.push(norm(lines[i]!));
    return outLines;
  };
  const ecs = /; CLIENT-SUBNET: (\S+)/.exec(out);
  const udp = /; EDNS: version: \d+, flags:[^;]*; udp: (\d+)/.exec(out);
  const server = /;; SERVER: \S+ \((\w+)\)/.exec(out);
  const res: DigResult = {
    status: header?.[2] ?? 'NO-RESPONSE',
    id: Number(header?.[3] ?? -1),
    flags: (flags?.[1] ?? '').trim().split(/\s+/).filter(Boolean).sort(),
    question: section('QUESTION').map((l) => l.replace(/^;/, '')),
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    raw: out,
  };
  if (ecs) res.clientSubnet = ecs[1]!;
  if (udp) res.ednsUdp = Number(udp[1]);
  if (server) res.transport = server[1]!;
  return res;
}

/** `dig @host -p port <args...>`: 3 s per try, two tries (a busy CI machine can be slow). */
export async function dig(host: string, port: number, args: string[]): Promise<DigResult> {
  const { stdout } = await run('/usr/bin/dig', [`@${host}`, '-p', String(port), '+time=3', '+tries=2', ...args], { timeout: 15_000 });
  return parseDig(stdout);
}

/** Runs dig with the given arguments and returns its raw stdout (throws on a non-zero exit). */
export async function digRaw(args: string[], timeoutMs = 5000): Promise<string> {
  try {
    return (await run('/usr/bin/dig', args, { timeout: timeoutMs })).stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`dig ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

/** `dig +short` answers as a sorted list (empty on failure when `lenient`). */
export async function digShort(args: string[], lenient = false): Promise<string[]> {
  try {
    const out = await digRaw([...args, '+short', '+time=1', '+tries=1']);
    return out.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith(';')).sort();
  } catch (err) {
    if (lenient) return [];
    throw err;
  }
}
