/**
 * Directory users (Graph v1.0). A user's `mail` and `userPrincipalName` are the seed person's email,
 * the key the gateway joins on; `mail in ('a','b')` looks up to 15 people in one call.
 *
 * | Route | Counter name | Role (any of) |
 * |---|---|---|
 * | `GET /v1.0/users` (`$filter`, `$select`, `$top` ≤ 999) | `GET /v1.0/users` | User.Read.All |
 * | `GET /v1.0/users/{id or userPrincipalName}` | `GET /v1.0/users/{id}` | User.Read.All |
 * | `GET /v1.0/users/{id}/joinedTeams` | `GET /v1.0/users/{id}/joinedTeams` | Team.ReadBasic.All |
 */
import type { SandboxReply } from '../../kit/sandboxServer';
import { collectionPage, selectSuffix } from './collectionPage';
import { GraphHttpError } from './graphErrors';
import type { GraphRequest, GraphRoute } from './graphRouter';
import { findUser, USER_DEFAULT_PROPERTIES, type GraphUser } from './graphStore';
import { applySelect, parseSelect, type FilterSchema } from './odataQuery';
import { TEAM_LIST_PROPERTIES, type StoreRef } from './teamsRoutes';

const USER_ROLES = ['User.Read.All', 'User.ReadBasic.All', 'User.ReadWrite.All', 'Directory.Read.All'];
const JOINED_TEAMS_ROLES = ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'Group.Read.All', 'Directory.Read.All'];

const USER_PROPERTIES = [
  'id', 'displayName', 'givenName', 'surname', 'mail', 'userPrincipalName', 'jobTitle', 'businessPhones', 'mobilePhone',
  'officeLocation', 'preferredLanguage', 'companyName', 'department', 'city', 'country', 'usageLocation', 'accountEnabled',
  'createdDateTime',
] as const satisfies ReadonlyArray<keyof GraphUser>;

const text = { type: 'string' as const, ops: ['eq', 'ne', 'in', 'startswith'] as Array<'eq' | 'ne' | 'in' | 'startswith'> };

/** What `$filter` on `/users` supports without advanced queries (ConsistencyLevel: eventual). */
export const USER_FILTER: FilterSchema = {
  resource: 'User',
  unsupportedCode: 'Request_UnsupportedQuery',
  maxClauses: 15,
  props: {
    id: { type: 'string', ops: ['eq', 'ne', 'in'] },
    mail: text,
    userPrincipalName: text,
    displayName: text,
    givenName: text,
    surname: text,
    jobTitle: text,
    department: { type: 'string', ops: ['eq', 'in', 'startswith'] },
    city: { type: 'string', ops: ['eq', 'in', 'startswith'] },
    country: { type: 'string', ops: ['eq', 'in', 'startswith'] },
    usageLocation: { type: 'string', ops: ['eq', 'in'] },
    accountEnabled: { type: 'boolean', ops: ['eq', 'ne'] },
  },
};

function userOrThrow(ref: StoreRef, idOrUpn: string): GraphUser {
  const user = findUser(ref.data, idOrUpn);
  if (!user) {
    throw new GraphHttpError(404, 'Request_ResourceNotFound',
      `Resource '${idOrUpn.slice(0, 200)}' does not exist or one of its queried reference-property objects are not present.`);
  }
  return user;
}

function listUsers(ref: StoreRef, req: GraphRequest): SandboxReply {
  return {
    status: 200,
    body: collectionPage({
      req, items: ref.data.users, kind: 'users', typeName: 'microsoft.graph.user', selectable: USER_PROPERTIES,
      defaults: USER_DEFAULT_PROPERTIES, filter: USER_FILTER, defaultTop: 100, maxTop: 999,
      context: (s) => `${req.origin}/v1.0/$metadata#users${selectSuffix(s)}`,
    }),
  };
}

function getUser(ref: StoreRef, req: GraphRequest): SandboxReply {
  const user = userOrThrow(ref, req.params.userId ?? '');
  const select = parseSelect(req.query, USER_PROPERTIES, 'microsoft.graph.user');
  return {
    status: 200,
    body: {
      '@odata.context': `${req.origin}/v1.0/$metadata#users${selectSuffix(select)}/$entity`,
      ...applySelect(user, select ?? [...USER_DEFAULT_PROPERTIES]),
    },
  };
}

function joinedTeams(ref: StoreRef, req: GraphRequest): SandboxReply {
  const user = userOrThrow(ref, req.params.userId ?? '');
  const teams = ref.data.teams.filter((t) => ref.data.teamMembers.get(t.id)?.includes(user.id));
  return {
    status: 200,
    body: {
      '@odata.context': `${req.origin}/v1.0/$metadata#teams`,
      '@odata.count': teams.length,
      value: teams.map((t) => applySelect(t, [...TEAM_LIST_PROPERTIES])),
    },
  };
}

export function usersRoutes(ref: StoreRef): GraphRoute[] {
  return [
    { method: 'GET', path: '/v1.0/users', name: 'GET /v1.0/users', roles: USER_ROLES, forbiddenCode: 'Authorization_RequestDenied', handler: (req) => listUsers(ref, req) },
    { method: 'GET', path: '/v1.0/users/:userId', name: 'GET /v1.0/users/{id}', roles: USER_ROLES, forbiddenCode: 'Authorization_RequestDenied', handler: (req) => getUser(ref, req) },
    { method: 'GET', path: '/v1.0/users/:userId/joinedTeams', name: 'GET /v1.0/users/{id}/joinedTeams', roles: JOINED_TEAMS_ROLES, handler: (req) => joinedTeams(ref, req) },
  ];
}
