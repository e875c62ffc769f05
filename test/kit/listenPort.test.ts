import { listenPort } from '../../subgraphs/kit/listenPort';

describe('listenPort', () => {
  it('uses the fallback when the key is unset and the value when it is valid', () => {
    expect(listenPort('P', 4011, {})).toBe(4011);
    expect(listenPort('P', 4011, { P: '5000' })).toBe(5000);
  });

  it('fails fast naming the key when the value is not a port', () => {
    expect(() => listenPort('SAP_SANDBOX_PORT', 4012, { SAP_SANDBOX_PORT: 'abc' })).toThrow(/SAP_SANDBOX_PORT/);
    expect(() => listenPort('P', 1, { P: '70000' })).toThrow(/0 to 65535/);
  });
});
