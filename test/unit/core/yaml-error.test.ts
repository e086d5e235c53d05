import { describeYamlError } from '../../../src/core/yaml-error.js';

describe('describeYamlError', () => {
  it('puts the position first and keeps only the message, without a trailing "at line" or code frame', () => {
    const err = {
      message: 'Nested mappings are not allowed at line 3, column 11:\n\n  cluster: {server\n          ^',
      linePos: [{ line: 3, col: 11 }],
    };
    expect(describeYamlError('kc.yaml', err)).toBe('kc.yaml:3:11: invalid YAML: Nested mappings are not allowed');
  });
  it('uses the fallback position when the error has none, and the bare file when neither is known', () => {
    expect(describeYamlError('a.yaml', { message: 'bad' }, { line: 2, col: 1 })).toBe('a.yaml:2:1: invalid YAML: bad');
    expect(describeYamlError('a.yaml', { message: 'bad' })).toBe('a.yaml: invalid YAML: bad');
  });
});
