/**
 * Shapes the merged subgraph results of a query plan into the client's response, without running
 * graphql-js execution again. The semantics are those of `computeResponse` in `@apollo/gateway`
 * (`resultShaping.js`), which the differential suite checks:
 * - only selected fields, in selection order, under their response names (aliases);
 * - `__typename` from the data, else the selection's parent type (abstract with none: the object is nulled);
 * - `@skip`/`@include` and fragment type conditions against the object's `__typename`;
 * - leaf values are checked, not coerced (`Invalid value found for field T.f.`), enum values by name;
 * - GraphQL null propagation: a null in a non-null position nulls the nearest nullable parent, with
 *   `Cannot return null for non-nullable field T.f.` at its path.
 *
 * - fields the caller may not see (`DeniedFields`, from `fieldAuthorization.ts`) are null with the
 *   error the caller gets for them, and nullability propagates from there like for any field error.
 *
 * `compileShaper` runs once per operation and per combination of `@skip`/`@include` variable values;
 * the field lists per runtime type are compiled on first use and kept, so a warm shaper only walks data.
 */
import {
  GraphQLError, Kind, executeSync, isAbstractType, isCompositeType, isEnumType, isInterfaceType, isListType,
  isNonNullType, isObjectType, isScalarType, GraphQLBoolean, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLNamedType,
  type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode, type SelectionNode,
} from 'graphql';
import { conditionsHold } from './operationVariables';

/** A GraphQL error as it leaves the executor (formatted, not an `Error`). */
export interface ExecutionErrorOut {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

type Leaf = (value: unknown) => boolean;
/** `str` is the type as GraphQL prints it (`[Product!]`), for error messages. */
type Shape =
  | { k: 'nonNull'; str: string; of: Shape }
  | { k: 'list'; str: string; of: Shape }
  | { k: 'leaf'; str: string; valid: Leaf }
  | { k: 'object'; str: string; type: GraphQLCompositeType; selections: SelectionNode[]; byType: Map<string, FieldPlan[] | null> };

/** Fields of the operation the caller may not see, and the error reported for each at its path. */
export interface DeniedFields {
  has(node: FieldNode): boolean;
  error(path: ReadonlyArray<string | number>): ExecutionErrorOut;
}

interface FieldPlan {
  name: string;
  /** 0: a field with a value, 1: `__typename`, 2: `__schema`/`__type` introspection, 3: denied to the caller. */
  kind: 0 | 1 | 2 | 3;
  /** The selection's parent type: named in error messages, and `__typename`'s fallback. */
  parent: GraphQLCompositeType;
  shape: Shape | null;
  /** Response names that an object inherits from `Object.prototype` need an own-property check. */
  guarded: boolean;
  node: FieldNode;
}

const NULL_ERR = Symbol('null after an error');
const INVALID = Symbol('null in a non-null position');
type Completed = unknown;

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function leafCheck(type: GraphQLNamedType): Leaf {
  if (isEnumType(type)) {
    const names = new Set(type.getValues().map((v) => v.name));
    return (v) => typeof v === 'string' && names.has(v);
  }
  if (type === GraphQLBoolean) return (v) => typeof v === 'boolean';
  if (type === GraphQLInt || type === GraphQLID) {
    const acceptsString = type === GraphQLID;
    return (v) => (typeof v === 'number' ? Number.isFinite(v) && INTEGER.test(String(v)) : acceptsString && typeof v === 'string');
  }
  if (type === GraphQLFloat) return (v) => typeof v === 'number' && Number.isFinite(v);
  if (type === GraphQLString) return (v) => typeof v === 'string';
  return () => true; // custom scalars pass through
}

/** Names `Object.prototype` has (`constructor`, `__proto__`, ...): read and written as own properties only. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

export interface ShaperSource {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
}

export interface ShapeResult {
  data: Record<string, unknown> | null;
  errors: ExecutionErrorOut[];
}

export type Shaper = (input: Record<string, unknown>, variables: Record<string, unknown>) => ShapeResult;

class ShaperCompiler {
  constructor(private readonly src: ShaperSource, private readonly vars: Record<string, unknown>, readonly denied?: DeniedFields) {}

  private applies(condition: string | undefined, runtime: GraphQLNamedType | undefined, parent: GraphQLCompositeType): boolean {
    if (!condition) return true;
    const target = runtime ?? parent;
    if (target.name === condition) return true;
    const cond = this.src.schema.getType(condition);
    if (!cond || !isAbstractType(cond)) return false;
    return (isObjectType(target) || isInterfaceType(target)) && this.src.schema.isSubType(cond, target);
  }

  /** The fields of `selections` for an object of type `runtime` (or of unknown type), merged by response name. */
  collect(selections: readonly SelectionNode[], runtime: GraphQLNamedType | undefined, parent: GraphQLCompositeType, out: Map<string, FieldPlan>): void {
    for (const sel of selections) {
      if (!conditionsHold(sel.directives, this.vars)) continue;
      if (sel.kind === Kind.FIELD) {
        this.addField(sel, parent, out);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition?.name.value;
        if (!this.applies(cond, runtime, parent)) continue;
        const inner = cond ? (this.src.schema.getType(cond) as GraphQLCompositeType) : parent;
        this.collect(sel.selectionSet.selections, runtime, inner, out);
      } else {
        const frag = this.src.fragments[sel.name.value];
        if (!frag) continue;
        const cond = frag.typeCondition.name.value;
        if (!this.applies(cond, runtime, parent)) continue;
        this.collect(frag.selectionSet.selections, runtime, this.src.schema.getType(cond) as GraphQLCompositeType, out);
      }
    }
  }

  private addField(node: FieldNode, parent: GraphQLCompositeType, out: Map<string, FieldPlan>): void {
    const name = node.alias?.value ?? node.name.value;
    const existing = out.get(name);
    if (existing) {
      if (existing.shape?.k !== undefined && node.selectionSet) appendSelections(existing.shape, node.selectionSet.selections);
      return;
    }
    const fieldName = node.name.value;
    const guarded = INHERITED.has(name);
    if (fieldName === '__typename') {
      out.set(name, { name, kind: 1, parent, shape: null, guarded, node });
      return;
    }
    if (fieldName === '__schema' || fieldName === '__type') {
      out.set(name, { name, kind: 2, parent, shape: null, guarded, node });
      return;
    }
    const def = 'getFields' in parent ? parent.getFields()[fieldName] : undefined;
    if (!def) throw new GraphQLError(`Cannot query field "${fieldName}" on type "${parent.name}".`);
    const kind = this.denied?.has(node) ? 3 : 0;
    out.set(name, { name, kind, parent, shape: shapeOf(def.type, node.selectionSet?.selections ?? []), guarded, node });
  }

  fieldsFor(shape: Extract<Shape, { k: 'object' }>, typename: string | undefined): FieldPlan[] | null {
    const key = typename ?? '';
    const cached = shape.byType.get(key);
    if (cached !== undefined) return cached;
    let runtime: GraphQLNamedType | undefined;
    if (typename !== undefined) {
      runtime = this.src.schema.getType(typename) ?? undefined;
      if (!runtime || !isCompositeType(runtime)) {
        shape.byType.set(key, null);
        return null;
      }
    }
    const out = new Map<string, FieldPlan>();
    this.collect(shape.selections, runtime, (runtime as GraphQLCompositeType | undefined) ?? shape.type, out);
    const list = [...out.values()];
    shape.byType.set(key, list);
    return list;
  }
}

function appendSelections(shape: Shape, selections: readonly SelectionNode[]): void {
  let s = shape;
  while (s.k === 'nonNull' || s.k === 'list') s = s.of;
  if (s.k === 'object') s.selections.push(...selections);
}

function shapeOf(type: GraphQLOutputType, selections: readonly SelectionNode[]): Shape {
  const str = String(type);
  if (isNonNullType(type)) return { k: 'nonNull', str, of: shapeOf(type.ofType, selections) };
  if (isListType(type)) return { k: 'list', str, of: shapeOf(type.ofType, selections) };
  if (isScalarType(type) || isEnumType(type)) return { k: 'leaf', str, valid: leafCheck(type) };
  return { k: 'object', str, type, selections: [...selections], byType: new Map() };
}

function describe(path: ReadonlyArray<string | number>, typeName: string, parent: string): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? `field ${parent}.${last}` : `array element of type ${typeName} at index ${String(last)}`;
}

class ShapeRun {
  readonly errors: ExecutionErrorOut[] = [];
  readonly path: Array<string | number> = [];

  constructor(private readonly c: ShaperCompiler, private readonly src: ShaperSource, private readonly variables: Record<string, unknown>) {}

  private fail(message: string, path: ReadonlyArray<string | number>): void {
    this.errors.push({ message, path: path.slice(), extensions: { code: 'INVALID_GRAPHQL' } });
  }

  /** Fills `output` with `fields` of `input`; false when a non-null field was null (the object is nulled). */
  object(input: Record<string, unknown>, fields: FieldPlan[], output: Record<string, unknown>): boolean {
    for (let i = 0; i < fields.length; i += 1) {
      const f = fields[i]!;
      if (f.kind === 1) {
        let v = f.guarded && !Object.hasOwn(input, f.name) ? undefined : input[f.name];
        if ((v === undefined || v === null) && f.name !== '__typename') v = input.__typename;
        const t = typeof v === 'string' ? this.src.schema.getType(v) ?? f.parent : f.parent;
        if (!isObjectType(t)) return false;
        if (f.guarded) setOwn(output, f.name, t.name);
        else output[f.name] = t.name;
        continue;
      }
      if (f.kind === 2) {
        setOwn(output, f.name, this.introspect(f.node));
        continue;
      }
      if (f.kind === 3) {
        this.errors.push(this.c.denied!.error([...this.path, f.name]));
        if (f.shape!.k === 'nonNull') return false;
        setOwn(output, f.name, null);
        continue;
      }
      const raw = f.guarded && !Object.hasOwn(input, f.name) ? undefined : input[f.name];
      this.path.push(f.name);
      const v = this.value(raw === undefined ? null : raw, f.shape!, f.parent.name);
      this.path.pop();
      if (v === INVALID) return false;
      if (f.guarded) setOwn(output, f.name, v === NULL_ERR ? null : v);
      else output[f.name] = v === NULL_ERR ? null : v;
    }
    return true;
  }

  value(input: unknown, shape: Shape, parent: string): Completed {
    if (shape.k === 'nonNull') {
      const v = this.value(input, shape.of, parent);
      if (v === null) {
        this.fail(`Cannot return null for non-nullable ${describe(this.path, shape.of.str, parent)}.`, this.path);
        return INVALID;
      }
      return v === NULL_ERR ? INVALID : v;
    }
    if (input === null) return null;
    if (shape.k === 'leaf') {
      if (shape.valid(input)) return input;
      this.fail(`Invalid value found for ${describe(this.path, shape.str, parent)}.`, this.path);
      return NULL_ERR;
    }
    if (shape.k === 'list') return this.list(input, shape.of, parent);
    return this.composite(input, shape, parent);
  }

  private list(input: unknown, of: Shape, parent: string): Completed {
    if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for list type`);
    const out = new Array<unknown>(input.length);
    let nullify = false;
    for (let i = 0; i < input.length; i += 1) {
      this.path.push(i);
      const v = this.value(input[i] ?? null, of, parent);
      this.path.pop();
      if (v === INVALID) nullify = true;
      else out[i] = v === NULL_ERR ? null : v;
    }
    return nullify ? NULL_ERR : out;
  }

  private composite(input: unknown, shape: Extract<Shape, { k: 'object' }>, parent: string): Completed {
    if (typeof input !== 'object') throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${shape.type.name}`);
    const obj = input as Record<string, unknown>;
    const typename = obj.__typename;
    if (typename !== undefined && typeof typename !== 'string') throw new Error(`Invalid non-string value for __typename at ${this.path.join('.')}`);
    const fields = this.c.fieldsFor(shape, typename || undefined);
    if (!fields) {
      this.fail(`Invalid __typename found for object at ${describe(this.path, shape.type.name, parent)}.`, this.path);
      return NULL_ERR;
    }
    const out: Record<string, unknown> = {};
    return this.object(obj, fields, out) ? out : NULL_ERR;
  }

  private introspect(node: FieldNode): unknown {
    const doc: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [
        { ...this.src.operation, name: undefined, selectionSet: { kind: Kind.SELECTION_SET, selections: [node] } },
        ...Object.values(this.src.fragments),
      ],
    };
    const res = executeSync({ schema: this.src.schema, document: doc, variableValues: this.variables, rootValue: {} });
    const key = node.alias?.value ?? node.name.value;
    return res.data?.[key] ?? null;
  }
}

/** Compiles the shaper of one operation for one set of `@skip`/`@include` variable values (and denied fields). */
export function compileShaper(src: ShaperSource, conditionValues: Record<string, unknown>, denied?: DeniedFields): Shaper {
  const compiler = new ShaperCompiler(src, conditionValues, denied);
  const root = src.schema.getRootType(src.operation.operation);
  if (!root) throw new GraphQLError(`The schema has no ${src.operation.operation} type`);
  const rootShape: Extract<Shape, { k: 'object' }> = { k: 'object', str: root.name, type: root, selections: [...src.operation.selectionSet.selections], byType: new Map() };
  return (input, variables) => {
    const run = new ShapeRun(compiler, src, variables);
    const fields = compiler.fieldsFor(rootShape, undefined)!;
    const data: Record<string, unknown> = {};
    const ok = run.object(input, fields, data);
    return { data: ok ? data : null, errors: run.errors };
  };
}
