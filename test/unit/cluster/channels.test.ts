import {
  backoffDelay,
  clientHeaderLength,
  closeFrame,
  decodeFrame,
  encodeFrame,
  encodeFrames,
  exitCodeOf,
  parseExecStatus,
  PortPrefix,
  resizeFrame,
} from '../../../src/cluster/channels.js';
import { execQuery } from '../../../src/cluster/websocket.js';
import * as wsModule from 'ws';

/** ws's frame encoder (exported by ws at run time, not in its types). */
const wsSender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;

// Status channel messages as servers send them. The first two were recorded from kube-apiserver 1.36 + KWOK 0.8.0
// (v5, translated by the apiserver); the others are the shapes the kubelet's remotecommand code writes.
const RECORDED = {
  success: '{"metadata":{},"status":"Success"}',
  kwokFailure:
    '{"metadata":{},"status":"Failure","message":"Internal error occurred: Internal error occurred: error executing command in container: cmd wait: sh -c echo x; exit 3: exit status 3","reason":"InternalError","details":{"causes":[{"message":"Internal error occurred: error executing command in container: cmd wait: sh -c echo x; exit 3: exit status 3"}]},"code":500}',
  exit3:
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
  killed:
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sleep 100], exit code 137","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"137"}]}}',
  signalled:
    '{"metadata":{},"status":"Failure","message":"error executing command: signal: terminated","reason":"InternalError","code":500}',
  v1Text: 'Internal error occurred: error executing command in container: cmd wait: false : exit status 1',
};

describe('exec status channel', () => {
  test('Success is exit 0', () => {
    expect(parseExecStatus(RECORDED.success)).toEqual({ status: 'Success', exitCode: 0 });
    expect(exitCodeOf(parseExecStatus(RECORDED.success))).toBe(0);
  });

  test('a non-zero exit code comes from details.causes[reason=ExitCode]', () => {
    const s = parseExecStatus(RECORDED.exit3);
    expect(s).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', exitCode: 3 });
    expect(s.signal).toBeUndefined();
    expect(exitCodeOf(s)).toBe(3);
  });

  test('a signal: 128+N exit codes and Go\'s "signal: name"', () => {
    expect(parseExecStatus(RECORDED.killed)).toMatchObject({ exitCode: 137, signal: 9 });
    const term = parseExecStatus(RECORDED.signalled);
    expect(term).toMatchObject({ status: 'Failure', signal: 15 });
    expect(term.exitCode).toBeUndefined();
    expect(exitCodeOf(term)).toBe(143);
  });

  test('a Failure without ExitCode (KWOK) has no exit code and counts as 1', () => {
    const s = parseExecStatus(RECORDED.kwokFailure);
    expect(s).toMatchObject({ status: 'Failure', reason: 'InternalError' });
    expect(s.message).toContain('exit status 3');
    expect(s.exitCode).toBeUndefined();
    expect(exitCodeOf(s)).toBe(1);
  });

  test('a message that is not JSON (channel.k8s.io v1) is a Failure with that message', () => {
    expect(parseExecStatus(RECORDED.v1Text)).toEqual({ status: 'Failure', message: RECORDED.v1Text });
    expect(parseExecStatus('null')).toEqual({ status: 'Failure', message: 'null' });
    expect(parseExecStatus('{"status":"Failure","details":{"causes":[{"reason":"ExitCode","message":"x"}]}}').exitCode).toBeUndefined();
  });
});

describe('channel framing', () => {
  test('encode puts the channel byte first; decode splits it off', () => {
    const f = encodeFrame(0, Buffer.from([1, 2, 3]));
    expect([...f]).toEqual([0, 1, 2, 3]);
    expect(decodeFrame(f)).toEqual({ channel: 0, data: Buffer.from([1, 2, 3]) });
    expect([...encodeFrame(1, 'hi')]).toEqual([1, 0x68, 0x69]);
    expect([...encodeFrames(0, [Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from([3])])]).toEqual([0, 1, 2, 3]);
    expect([...encodeFrame(2)]).toEqual([2]);
    expect(decodeFrame(Buffer.alloc(0))).toBeUndefined();
    expect(decodeFrame(Buffer.from([3]))).toEqual({ channel: 3, data: Buffer.alloc(0) });
  });

  test.each([10, 1000, 70_000])('a %i-byte message sits where ws puts its masked payload, mod 4 (so the mask is one pass)', (n) => {
    const m = encodeFrames(0, [Buffer.alloc(n - 1, 7)]);
    expect(m.length).toBe(n);
    expect(m.byteOffset % 4).toBe(clientHeaderLength(n) % 4);
    // ws's own client frame for it: the header is what clientHeaderLength says, the payload follows it.
    const [frame, ...rest] = wsSender.frame(m, { fin: true, opcode: 2, mask: true, readOnly: true, rsv1: false });
    expect(rest).toEqual([]);
    expect(frame!.length - n).toBe(clientHeaderLength(n));
  });

  test('v5 close frame and resize', () => {
    expect([...closeFrame(0)]).toEqual([255, 0]);
    expect(resizeFrame({ columns: 80, rows: 24 }).toString('utf8', 1)).toBe('{"Width":80,"Height":24}');
    expect(resizeFrame({ columns: 80, rows: 24 })[0]).toBe(4);
  });

  test('port-forward: the first message of each channel carries the port, little-endian', () => {
    const p = new PortPrefix(8080);
    const port = Buffer.alloc(2);
    port.writeUInt16LE(8080);
    expect([...port]).toEqual([0x90, 0x1f]);
    expect(p.strip(0, port)).toEqual(Buffer.alloc(0));
    expect(p.strip(0, Buffer.from('data'))).toEqual(Buffer.from('data'));
    expect(p.strip(1, Buffer.concat([port, Buffer.from('err')]))).toEqual(Buffer.from('err'));
    expect(() => new PortPrefix(8080).strip(0, Buffer.from([0x50, 0x00]))).toThrow('channel 0 is for port 80, not 8080');
    expect(() => new PortPrefix(8080).strip(0, Buffer.from([0x90]))).toThrow('not the 2-byte port');
  });

  test('exec query: one command parameter per argv element; no stderr with a tty', () => {
    expect(execQuery({ command: ['sh', '-c', 'echo a b'], stderr: process.stderr })).toBe(
      'command=sh&command=-c&command=echo+a+b&stdin=false&stdout=true&stderr=true&tty=false',
    );
    expect(execQuery({ command: ['sh'], container: 'c', stdin: process.stdin, stderr: process.stderr, tty: true })).toBe(
      'command=sh&container=c&stdin=true&stdout=true&stderr=false&tty=true',
    );
  });
});

describe('backoff', () => {
  test('doubles from 1 s and caps at 30 s', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, { random: mid }))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  test('jitter stays within ±20 % and never exceeds the cap', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(800);
    expect(backoffDelay(0, { random: () => 0.999999 })).toBe(1200);
    expect(backoffDelay(10, { random: () => 0.999999 })).toBe(30000);
    expect(backoffDelay(2, { baseMs: 100, capMs: 250, random: () => 0.5 })).toBe(250);
  });
});
