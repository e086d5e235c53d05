import { jest } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { createTestIo } from '../helpers/io.js';

const select = jest.fn(async (_cfg: unknown, _opts: unknown): Promise<string> => 'b');
jest.unstable_mockModule('@inquirer/prompts', () => ({ select }));
const { canPick, pick } = await import('../../src/ui/pick.js');
const { createStatusTable } = await import('../../src/ui/status-table.js');
const { startSpinner } = await import('../../src/ui/spinner.js');

describe('ui/status-table', () => {
  it('without a TTY: one plain line per change, nothing for a row that did not change', () => {
    const io = createTestIo();
    const t = createStatusTable(io, ['PORT', 'POD', 'STATE']);
    t.set(['8080', 'web-1', 'connecting']);
    t.set(['8080', 'web-1', 'connecting']);
    t.set(['9090', 'web-1', 'ready']);
    t.set(['8080', 'web-1', 'ready']);
    t.close();
    t.set(['8080', 'web-2', 'ready']);
    expect(io.stderr()).toBe('8080  web-1  connecting\n9090  web-1  ready\n8080  web-1  ready\n');
    expect(io.stdout()).toBe('');
  });

  it('on a TTY: the whole table, redrawn in place', () => {
    const io = createTestIo({ tty: true });
    const t = createStatusTable(io, ['PORT', 'STATE']);
    t.set(['8080', 'connecting']);
    t.set(['8080', 'ready']);
    expect(io.stderr()).toBe('PORT   STATE\n8080   connecting\n\u001b[2A\r\u001b[0JPORT   STATE\n8080   ready\n');
  });

  it('lines written around the table: off the screen, the lines, the table again under them (plain without a TTY)', () => {
    const io = createTestIo({ tty: true });
    const t = createStatusTable(io, ['PORT', 'STATE']);
    t.around(() => io.err.write('before any row\n'));
    t.set(['8080', 'ready']);
    t.around(() => io.err.write('a notice\n'));
    expect(io.stderr()).toBe('before any row\nPORT   STATE\n8080   ready\n\u001b[2A\r\u001b[0Ja notice\nPORT   STATE\n8080   ready\n');
    const plain = createTestIo();
    const p = createStatusTable(plain, ['PORT', 'STATE']);
    p.set(['8080', 'ready']);
    p.around(() => plain.err.write('a notice\n'));
    expect(plain.stderr()).toBe('8080  ready\na notice\n');
  });
});

describe('ui/pick', () => {
  beforeEach(() => select.mockClear());
  const req = {
    message: 'Service:',
    choices: [
      { value: 'a', name: 'a (no ready endpoints)' },
      { value: 'b', name: 'b (2 ready)' },
    ],
    noTerminal: () => new UsageError('missing the Service NAME argument'),
  };

  it('without a terminal on stdin or stderr: the usage error naming the argument, no prompt', async () => {
    for (const io of [
      { ...createTestIo({ tty: true }), stdinIsTTY: false },
      { ...createTestIo({ tty: true }), errIsTTY: false },
    ]) {
      expect(canPick(io)).toBe(false);
      await expect(pick(io, new AbortController().signal, req)).rejects.toMatchObject({
        exitCode: 2,
        message: 'missing the Service NAME argument',
      });
    }
    expect(select).not.toHaveBeenCalled();
  });

  it('in a terminal: asks on stderr with the signal, and maps an aborted prompt to the signal’s exit status', async () => {
    const io = createTestIo({ tty: true });
    const signal = new AbortController().signal;
    expect(await pick(io, signal, req)).toBe('b');
    expect(select.mock.calls[0]![1]).toEqual({ output: io.err, signal });
    const aborted = new AbortController();
    aborted.abort('SIGTERM');
    select.mockImplementationOnce(async () => {
      throw Object.assign(new Error('aborted'), { name: 'AbortPromptError' });
    });
    await expect(pick(io, aborted.signal, req)).rejects.toMatchObject({ exitCode: 143 });
  });
});

describe('ui/spinner', () => {
  it('is nothing without a colour TTY on stderr', () => {
    for (const io of [createTestIo(), createTestIo({ tty: true }), createTestIo({ color: true })]) {
      const stop = startSpinner(io, 'reading');
      stop();
      stop();
      expect(io.stderr()).toBe('');
    }
  });
});
