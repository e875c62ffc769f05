/** Every differential scenario, one theme per file (`*.scenario.ts`). */
import type { Scenario } from './harness';
import { abstractTypesScenario } from './abstractTypes.scenario';
import { fieldSelectionScenario } from './fieldSelection.scenario';
import { inaccessibleScenario } from './inaccessible.scenario';
import { interfaceObjectScenario } from './interfaceObject.scenario';
import { keysScenario } from './keys.scenario';
import { malformedSubgraphScenario } from './malformedSubgraph.scenario';
import { mutationsScenario } from './mutations.scenario';
import { nullabilityScenario } from './nullability.scenario';
import { providesScenario } from './provides.scenario';
import { requiresScenario } from './requires.scenario';
import { responseShapeScenario } from './responseShape.scenario';
import { scalarsScenario } from './scalars.scenario';
import { shareableScenario } from './shareable.scenario';
import { subgraphErrorsScenario } from './subgraphErrors.scenario';

export const CORPUS: readonly Scenario[] = [
  keysScenario,
  requiresScenario,
  providesScenario,
  shareableScenario,
  inaccessibleScenario,
  interfaceObjectScenario,
  abstractTypesScenario,
  fieldSelectionScenario,
  nullabilityScenario,
  mutationsScenario,
  subgraphErrorsScenario,
  scalarsScenario,
  responseShapeScenario,
  malformedSubgraphScenario,
];
