import { Kind } from 'graphql';
import { DateTimeScalar } from '../../subgraphs/kit/dateTimeScalar';

describe('DateTime scalar', () => {
  it('serialises dates and ISO strings as UTC with milliseconds', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2026, 9, 1, 9, 30)))).toBe('2026-10-01T09:30:00.000Z');
    expect(DateTimeScalar.serialize('2026-10-01T11:30:00+02:00')).toBe('2026-10-01T09:30:00.000Z');
    expect(() => DateTimeScalar.serialize('yesterday')).toThrow('invalid date');
  });

  it('accepts ISO inputs with an offset or bare dates and refuses the rest as BAD_USER_INPUT', () => {
    expect(DateTimeScalar.parseValue('2026-10-01')).toBe('2026-10-01T00:00:00.000Z');
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2026-10-01T09:30:00Z' })).toBe('2026-10-01T09:30:00.000Z');
    for (const bad of ['2026-10-01T09:30:00', '1 Oct 2026', '2026-13-45', 12]) {
      expect(() => DateTimeScalar.parseValue(bad)).toThrow(/ISO-8601/);
    }
    expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '5' })).toThrow('must be a string');
  });
});
