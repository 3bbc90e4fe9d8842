/** Exact money: decimal strings checked against the column's shape, arithmetic in bigint micro-units. */
import { describe, expect, it } from 'vitest';
import { checkMoney, fromMicros, toMicros } from '../../src/billing/index.ts';

describe('money', () => {
  const shape = { precision: 12, scale: 6 };

  it('accepts decimal strings that fit the column exactly', () => {
    for (const value of ['0', '0.1', '12.500000', '999999.999999', '000123.45']) {
      expect(checkMoney(value, 'x', shape)).toBe(value);
    }
  });

  it('refuses floats, negative amounts and digits the column would round away', () => {
    for (const value of [0.1, '-1.00', '1.0000001', '1000000.0', '1e3', '', ' 1', '1.', null, undefined]) {
      expect(() => checkMoney(value, 'x', shape), String(value)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
  });

  it('converts to and from micro-units without a float', () => {
    expect(toMicros('0.1') + toMicros('0.2')).toBe(toMicros('0.3'));
    expect(toMicros('12.5')).toBe(12_500_000n);
    expect(toMicros('0.000001')).toBe(1n);
    expect(fromMicros(300_000n)).toBe('0.300000');
    expect(fromMicros(14_399_999n, 2)).toBe('14.40');
    expect(fromMicros(14_394_999n, 2)).toBe('14.39');
    expect(fromMicros(5n, 0)).toBe('0');
    expect(() => toMicros('1.0000001')).toThrow(RangeError);
  });
});
