/**
 * The durable observation timeline: every observation a deciding process
 * ingested, in a bounded on-disk log, so an incident can be exported
 * (`edgesteer timeline export`) and replayed under another policy
 * (`edgesteer replay`) after the fact, even across restarts.
 *
 * Layout: `<dir>/<seq>.log` segments (seq zero-padded, oldest first), one
 * record per line: `<crc32 of the JSON, 8 hex> <JSON>\n`. Bounds:
 * - size: the newest segment is rolled at `segmentBytes`, and whole oldest
 *   segments are deleted while the total exceeds `maxBytes`;
 * - age: segments whose newest observation is older than `maxAgeMs` go too.
 * Robustness: a record whose checksum or JSON does not match is skipped on
 * read (and counted), never trusted; a torn tail (a crash mid-write, a
 * record without its newline) is cut off when the log is opened, so the
 * next record starts on a clean line. Writes are synchronous appends (one
 * per report, in the ingest path, so the order on disk is the ingest
 * order); the segment is fsynced when it is rolled and on close. A crash
 * loses at most the records the OS had not written yet, never the log.
 *
 * Node only (node:fs): any plane that decides and has a disk can keep one.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Observation } from '@edgesteer/core';

/** One record of the log: an ingested observation, the probe that sent it and when it was received. */
export interface LoggedObservation extends Observation {
  probe?: string;
  /** Receive time on the logging process's clock (epoch ms). */
  receivedAt?: number;
}

/** Where ingested observations go (the controller calls it once per accepted report). */
export interface ObservationSink {
  append(observations: readonly LoggedObservation[]): void;
}

export interface ObservationLogOptions {
  dir: string;
  /** Total size cap. Default 256 MiB. */
  maxBytes?: number;
  /** Segment size (rolled when reached). Default maxBytes / 16, at least 64 KiB. */
  segmentBytes?: number;
  /** Observations older than this (by `at`, against the newest one logged) are dropped with their segment. Default 24 h. */
  maxAgeMs?: number;
  /** Open for reading only (an export while the writer runs): no directory made, no torn tail cut, append refused. */
  readOnly?: boolean;
}

/** What reading the log found. */
export interface ReadStats {
  records: number;
  /** Lines whose checksum or JSON did not match (skipped). */
  corrupt: number;
  segments: number;
}

interface Segment {
  seq: number;
  file: string;
  bytes: number;
  /** Newest `at` in the segment (-Infinity when unknown/empty). */
  newestAt: number;
}

const SEQ_WIDTH = 10;
const nameOf = (seq: number) => `${String(seq).padStart(SEQ_WIDTH, '0')}.log`;
const NL = 0x0a;

/** Bounded, checksummed, append-only observation log (see module doc). */
export class ObservationLog implements ObservationSink {
  readonly dir: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly maxAgeMs: number;
  private segments: Segment[] = [];
  private fd: number | undefined;
  private closed = false;
  private readonly readOnly: boolean;
  /** Torn-tail bytes cut off when the log was opened. */
  readonly repairedBytes: number;

  constructor(opts: ObservationLogOptions) {
    this.dir = opts.dir;
    this.maxBytes = Math.max(1024, opts.maxBytes ?? 256 * 1024 * 1024);
    this.segmentBytes = Math.max(512, Math.min(this.maxBytes, opts.segmentBytes ?? Math.max(64 * 1024, Math.floor(this.maxBytes / 16))));
    this.maxAgeMs = opts.maxAgeMs ?? 24 * 3600_000;
    this.readOnly = opts.readOnly === true;
    if (!this.readOnly) mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir).sort()) {
      const m = /^(\d+)\.log$/.exec(f);
      if (!m) continue;
      const file = join(this.dir, f);
      this.segments.push({ seq: Number(m[1]), file, bytes: statSync(file).size, newestAt: -Infinity });
    }
    for (const s of this.segments) s.newestAt = newestIn(s.file);
    this.repairedBytes = this.readOnly ? 0 : this.repairTail();
  }

  /** Appends observations (one write). Never throws for a full disk: the decision path must not fail because of the log. */
  append(observations: readonly LoggedObservation[]): void {
    if (this.closed || this.readOnly || observations.length === 0) return;
    let text = '';
    let newest = -Infinity;
    for (const o of observations) {
      text += encodeRecord(o);
      if (o.at > newest) newest = o.at;
    }
    const buf = Buffer.from(text, 'utf8');
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.bytes >= this.segmentBytes) seg = this.roll();
    try {
      this.fd ??= openSync(seg.file, 'a');
      writeSync(this.fd, buf);
      seg.bytes += buf.length;
      if (newest > seg.newestAt) seg.newestAt = newest;
    } catch {
      // ENOSPC and friends: the record is lost, the controller keeps deciding.
      return;
    }
    this.enforceBounds(newest);
  }

  /**
   * Every readable record with `at >= since` (default all), oldest segment
   * first, in the order they were written; corrupt lines are skipped and counted in `stats`.
   */
  *read(since = -Infinity, stats?: ReadStats): Generator<LoggedObservation> {
    for (const seg of [...this.segments]) {
      if (seg.newestAt < since) continue;
      let bytes: Buffer;
      try {
        bytes = readFileSync(seg.file);
      } catch {
        continue; // deleted by a concurrent bound check
      }
      if (stats) stats.segments++;
      for (const line of lines(bytes)) {
        const rec = decodeRecord(line);
        if (rec === undefined) {
          if (stats) stats.corrupt++;
          continue;
        }
        if (rec.at < since) continue;
        if (stats) stats.records++;
        yield rec;
      }
    }
  }

  /** Total bytes on disk. */
  get bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.bytes;
    return n;
  }

  /** Segment count. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Flushes to disk and stops appending. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) {
      try {
        fsyncSync(this.fd);
      } catch {
        /* best effort */
      }
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private roll(): Segment {
    if (this.fd !== undefined) {
      try {
        fsyncSync(this.fd);
      } catch {
        /* best effort */
      }
      closeSync(this.fd);
      this.fd = undefined;
    }
    const last = this.segments[this.segments.length - 1];
    const seq = last ? last.seq + 1 : 1;
    const seg: Segment = { seq, file: join(this.dir, nameOf(seq)), bytes: 0, newestAt: -Infinity };
    this.segments.push(seg);
    return seg;
  }

  private enforceBounds(newestAt: number): void {
    // Never delete the segment being written.
    while (this.segments.length > 1 && (this.bytes > this.maxBytes || this.segments[0]!.newestAt < newestAt - this.maxAgeMs)) {
      const old = this.segments.shift()!;
      try {
        unlinkSync(old.file);
      } catch {
        /* already gone */
      }
    }
  }

  /** Cuts a torn last record off the newest segment; returns the bytes removed. */
  private repairTail(): number {
    const seg = this.segments[this.segments.length - 1];
    if (!seg || seg.bytes === 0) return 0;
    const bytes = readFileSync(seg.file);
    let end = bytes.length;
    // Drop an unterminated tail, then any trailing records that fail their checksum.
    end = bytes.lastIndexOf(NL) + 1;
    while (end > 0) {
      const start = bytes.lastIndexOf(NL, end - 2) + 1;
      if (decodeRecord(bytes.subarray(start, end - 1)) !== undefined) break;
      end = start;
    }
    if (end === bytes.length) return 0;
    const fd = openSync(seg.file, 'r+');
    try {
      ftruncateSync(fd, end);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    seg.bytes = end;
    seg.newestAt = newestIn(seg.file);
    return bytes.length - end;
  }
}

/** One log line (with its newline) for an observation. */
export function encodeRecord(o: LoggedObservation): string {
  const json = JSON.stringify(o);
  return crc32(json).toString(16).padStart(8, '0') + ' ' + json + '\n';
}

/** The observation of one log line (without its newline), or undefined when the checksum or the JSON is wrong. */
export function decodeRecord(line: Uint8Array): LoggedObservation | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const body = Buffer.from(line.buffer, line.byteOffset + 9, line.length - 9);
  const sum = Buffer.from(line.buffer, line.byteOffset, 8).toString('latin1');
  if (!/^[0-9a-f]{8}$/.test(sum) || crc32(body) !== parseInt(sum, 16)) return undefined;
  try {
    const v = JSON.parse(body.toString('utf8')) as LoggedObservation;
    return v && typeof v === 'object' && typeof v.at === 'number' && typeof v.edge === 'string' && typeof v.probeRegion === 'string' && typeof v.ok === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
}

function* lines(bytes: Buffer): Generator<Buffer> {
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(NL, start);
    if (nl < 0) return; // an unterminated tail is not a record
    yield bytes.subarray(start, nl);
    start = nl + 1;
  }
}

function newestIn(file: string): number {
  let newest = -Infinity;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return newest;
  }
  for (const line of lines(bytes)) {
    const r = decodeRecord(line);
    if (r && r.at > newest) newest = r.at;
  }
  return newest;
}

/** Parses `--since` values: `90s`, `15m`, `2h`, `1d`, or milliseconds. Returns milliseconds, or undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n * unit;
}
