import { jest } from '@jest/globals';
import { join } from 'node:path';
import { fileContext } from '../../helpers/context.js';
import { FIXTURES } from './helpers.js';

type Choice = { value: string; name: string };
const select = jest.fn(async (cfg: { choices: Choice[] }, _ctx: unknown) => cfg.choices[0]!.value);
jest.unstable_mockModule('@inquirer/prompts', () => ({ select }));
const { svcCommand } = await import('../../../src/commands/svc/command.js');

const context = (tty: boolean) => fileContext('svc', join(FIXTURES, 'pod-states.yaml'), 't', tty);

describe('kdiag svc without NAME', () => {
  beforeEach(() => select.mockClear());

  it("in a terminal: offers the namespace's Services on stderr, those without ready endpoints first", async () => {
    const { ctx, io } = await context(true);
    const outcome = await svcCommand.run(svcCommand.toOptions([], { namespace: 't' }), ctx);
    expect(select).toHaveBeenCalledTimes(1);
    const [cfg, opts] = select.mock.calls[0]!;
    const names = cfg.choices.map((c) => c.value);
    expect(names[names.length - 1]).toBe('mixed');
    expect(cfg.choices.find((c) => c.value === 'crash')!.name).toBe('crash  (no ready endpoints)');
    expect((opts as { output: unknown }).output).toBe(io.err);
    expect(outcome.document.service).toEqual({ namespace: 't', name: names[0] });
  });

  it('without a terminal: a usage error naming the argument, and no prompt', async () => {
    const { ctx } = await context(false);
    await expect(svcCommand.run(svcCommand.toOptions([], { namespace: 't' }), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: 'missing the Service NAME argument',
    });
    expect(select).not.toHaveBeenCalled();
  });
});
