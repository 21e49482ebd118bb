import { keyReuseTask, malformedBodyRequest, oversizedRequest } from "./body-mutations.ts";
import type { FuzzContext } from "./fuzz-request.ts";
import { routeName } from "./fuzz-request.ts";
import { refusalRequests } from "./ledger-refusals.ts";
import { type FuzzTask, GENERATORS } from "./malformed-requests.ts";

/**
 * At least `requestsMin` malformed or refused requests, as tasks (a task's requests are sent in
 * order), and at least `perRouteMin` for each of the document's routes: drawing goes on until
 * both hold, so a new route never leaves the least drawn one short. Each category is drawn by
 * weight from the seeded generator, so a failure names its seed and replays exactly.
 */
export function fuzzTasks(
  context: FuzzContext,
  options: { requestsMin: number; perRouteMin: number },
): Array<{ category: string; task: FuzzTask }> {
  const { requestsMin, perRouteMin } = options;
  const perRoute = new Map(context.routes.map((route) => [routeName(route), 0]));
  let routesShort = perRouteMin > 0 ? perRoute.size : 0;
  const refusals = refusalRequests(context);
  const categories = [
    ...GENERATORS,
    { name: "body", weight: 30, generate: (inner: FuzzContext) => wrap(malformedBodyRequest(inner)) },
    { name: "key-reuse", weight: 2, generate: keyReuseTask },
    { name: "oversized", weight: 0.2, generate: (inner: FuzzContext) => wrap(oversizedRequest(inner)) },
    {
      name: "refusal",
      weight: 8,
      generate: (inner: FuzzContext) => {
        const make = refusals[Math.floor(inner.random() * refusals.length)];
        return make ? [make()] : null;
      },
    },
  ];
  const totalWeight = categories.reduce((sum, category) => sum + category.weight, 0);
  const tasks: Array<{ category: string; task: FuzzTask }> = [];
  let requests = 0;
  let attempts = 0;
  while (requests < requestsMin || routesShort > 0) {
    if (++attempts > requestsMin * 20) throw new Error("the generators keep producing nothing");
    const roll = context.random() * totalWeight;
    let cumulative = 0;
    const category = categories.find((candidate) => {
      cumulative += candidate.weight;
      return roll < cumulative;
    });
    const task = category?.generate(context);
    if (!category || !task) continue;
    tasks.push({ category: category.name, task });
    requests += task.length;
    for (const request of task) {
      const count = perRoute.get(request.route);
      if (count === undefined) continue;
      perRoute.set(request.route, count + 1);
      if (count + 1 === perRouteMin) routesShort--;
    }
  }
  return tasks;
}

function wrap<T>(request: T | null): T[] | null {
  return request === null ? null : [request];
}
