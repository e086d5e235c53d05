import { jest } from '@jest/globals';
import { join } from 'node:path';
import { fileContext } from '../../helpers/context.js';
import { ROOT } from '../../helpers/paths.js';

type Choice = { value: string; name: string };
const select = jest.fn(async (cfg: { choices: Choice[] }, _ctx: unknown) => cfg.choices.find((c) => c.value === 'cart.shop')!.value);
jest.unstable_mockModule('@inquirer/prompts', () => ({ select }));
const { dnsCommand } = await import('../../../src/commands/dns/command.js');

const context = (tty: boolean) => fileContext('dns', join(ROOT, 'test', 'fixtures', 'dns', 'shop.yaml'), 'tools', tty);

describe('kdiag dns without NAME', () => {
  beforeEach(() => select.mockClear());

  it('in a terminal: offers every Service as the client namespace would name it, on stderr', async () => {
    const { ctx, io } = await context(true);
    const outcome = await dnsCommand.run(dnsCommand.toOptions([], { namespace: 'tools' }), ctx);
    expect(select).toHaveBeenCalledTimes(1);
    const [cfg, opts] = select.mock.calls[0]!;
    expect(cfg.choices.map((c) => c.value)).toEqual(['cart.shop', 'ledger.shop', 'mail.shop', 'orders.shop', 'queue.shop', 'search.shop']);
    expect((opts as { output: unknown }).output).toBe(io.err);
    expect((outcome.document.query as { host: string }).host).toBe('cart.shop');
  });

  it('without a terminal: a usage error naming the argument, and no prompt', async () => {
    const { ctx } = await context(false);
    await expect(dnsCommand.run(dnsCommand.toOptions([], { namespace: 'tools' }), ctx)).rejects.toMatchObject({
      exitCode: 2,
      message: 'missing the NAME argument (the name a pod looks up)',
    });
    expect(select).not.toHaveBeenCalled();
  });
});
