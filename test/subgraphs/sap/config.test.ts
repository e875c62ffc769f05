/**
 * SAP subgraph configuration: sandbox defaults, a real-system setup, and fail-fast errors naming the key.
 */
import { loadSapConfig, serviceRoot } from '../../../subgraphs/sap/config';

describe('loadSapConfig', () => {
  it('defaults to the local sandbox', () => {
    const c = loadSapConfig({});
    expect(c).toEqual({
      baseUrl: 'http://127.0.0.1:4012', servicePath: '/sap/opu/odata/sap/', username: 'LUMINA_COMM', password: 'Welcome1!Sandbox',
      client: undefined, timeoutMs: 10_000, retries: 2, maxUrlLength: 7000, updateMethod: 'PATCH',
    });
    expect(serviceRoot(c, 'API_SALES_ORDER_SRV')).toBe('http://127.0.0.1:4012/sap/opu/odata/sap/API_SALES_ORDER_SRV/');
  });

  it('points at a real system by configuration only', () => {
    const c = loadSapConfig({
      SAP_BASE_URL: 'https://s4.example.com:44300/', SAP_SERVICE_PATH: '/sap/opu/odata/sap', SAP_USERNAME: 'COMM_USER',
      SAP_PASSWORD: 'secret', SAP_CLIENT: '100', SAP_TIMEOUT_MS: '20000', SAP_UPDATE_METHOD: 'MERGE',
    });
    expect(serviceRoot(c, 'API_BUSINESS_PARTNER')).toBe('https://s4.example.com:44300/sap/opu/odata/sap/API_BUSINESS_PARTNER/');
    expect(c).toMatchObject({ client: '100', timeoutMs: 20_000, updateMethod: 'MERGE', username: 'COMM_USER' });
  });

  it.each([
    [{ SAP_BASE_URL: 'ftp://x' }, 'SAP_BASE_URL'],
    [{ SAP_BASE_URL: 'not a url' }, 'SAP_BASE_URL'],
    [{ SAP_SERVICE_PATH: 'sap/opu' }, 'SAP_SERVICE_PATH'],
    [{ SAP_SERVICE_PATH: '/sap//x' }, 'SAP_SERVICE_PATH'],
    [{ SAP_CLIENT: '1000' }, 'SAP_CLIENT'],
    [{ SAP_USERNAME: 'a:b' }, 'SAP_USERNAME'],
    [{ SAP_TIMEOUT_MS: '10s' }, 'SAP_TIMEOUT_MS'],
    [{ SAP_RETRIES: '-1' }, 'SAP_RETRIES'],
    [{ SAP_MAX_URL_LENGTH: '10' }, 'SAP_MAX_URL_LENGTH'],
    [{ SAP_UPDATE_METHOD: 'PUT' }, 'SAP_UPDATE_METHOD'],
  ])('fails fast on %j naming the key', (env, key) => {
    expect(() => loadSapConfig(env)).toThrow(key);
  });
});
