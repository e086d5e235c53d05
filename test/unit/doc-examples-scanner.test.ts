import { containsInOrder, helpExamples, scanMarkdown, splitCommand } from '../helpers/doc-examples.js';

const md = (s: string) => s.replace(/^ {2}/gm, '');

describe('the docs example scanner', () => {
  it('reads a marked console block: command, expected output, exit status', () => {
    const s = scanMarkdown(
      md(`Intro
  <!-- kdiag-example: offline exit=1 -->
  \`\`\`console
  $ kdiag svc web -n my-app -f examples/my-app.yaml
  Service my-app/web
  ...
  1 error, 0 warnings, 0 info
  \`\`\`
  `),
      'README.md',
    );
    expect(s.unmarked).toEqual([]);
    expect(s.examples).toEqual([
      {
        where: 'README.md:4',
        mode: 'offline',
        exit: 1,
        args: ['svc', 'web', '-n', 'my-app', '-f', 'examples/my-app.yaml'],
        expected: ['Service my-app/web', '1 error, 0 warnings, 0 info'],
      },
    ]);
  });

  it('reads `$ echo $?` after a command as its exit status, and ends the output at any `$ ` line', () => {
    const s = scanMarkdown(
      md('<!-- kdiag-example: offline -->\n```console\n$ kdiag codes nope\nkdiag: unknown\n$ echo $?\n2\n```\n'),
      'c.md',
    );
    expect(s.examples).toEqual([{ where: 'c.md:3', mode: 'offline', exit: 2, args: ['codes', 'nope'], expected: ['kdiag: unknown'] }]);
  });

  it('reports a block with a kdiag command and no marker, and ignores blocks without one', () => {
    const s = scanMarkdown(md('```sh\nnpm ci\n```\n\n```sh\nkdiag lint deploy/\n```\n'), 'docs/x.md');
    expect(s.unmarked).toEqual(['docs/x.md:5']);
    expect(s.examples).toEqual([]);
  });

  it('a marker applies only to the block right after it; skip keeps its reason; kubectl kdiag is the plugin form', () => {
    const s = scanMarkdown(
      md(`<!-- kdiag-example: skip: needs a pipe -->
  \`\`\`sh
  kubectl get svc -o yaml | kdiag svc web -f -
  kubectl kdiag svc web
  \`\`\`
  <!-- kdiag-example: live -->

  Some prose in between.

  \`\`\`sh
  kdiag svc web -n my-app   # a comment
  \`\`\`
  `),
      'a.md',
    );
    expect(s.examples.map((e) => [e.mode, e.reason, e.args])).toEqual([['skip', 'needs a pipe', []]]);
    expect(s.unmarked).toEqual(['a.md:10']);
  });

  it('splits words and quotes as a shell would, drops comments, refuses pipes and redirections', () => {
    expect(splitCommand(`kdiag lint --pod-cidr '10.0.0.0/8' "a b"   # why`)).toEqual(['kdiag', 'lint', '--pod-cidr', '10.0.0.0/8', 'a b']);
    expect(() => splitCommand('kdiag lint -o sarif > out.sarif')).toThrow(/shell syntax/);
    expect(() => splitCommand('kubectl get svc | kdiag svc web -f -')).toThrow(/shell syntax/);
  });

  it('reads the Examples section of a --help text', () => {
    const help =
      'Usage: kdiag svc\n\nExamples:\n  kdiag svc web -n my-app\n  kubectl get svc -o yaml | kdiag svc web -f -\n\nExit status:\n  0 ok\n';
    expect(helpExamples(help)).toEqual([
      { line: 'kdiag svc web -n my-app', args: ['svc', 'web', '-n', 'my-app'] },
      { line: 'kubectl get svc -o yaml | kdiag svc web -f -', args: undefined },
    ]);
  });

  it('finds expected lines in order only', () => {
    expect(containsInOrder('a\nb\nc\n', ['a', 'c']).ok).toBe(true);
    expect(containsInOrder('a\nb\nc\n', ['c', 'a'])).toEqual({ ok: false, missing: 'a' });
  });
});
