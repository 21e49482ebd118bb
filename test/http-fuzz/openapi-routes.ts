/** The subset of JSON Schema the API's OpenAPI document uses. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  example?: unknown;
  default?: unknown;
  $ref?: string;
}

export interface RouteParameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the document, with every `$ref` resolved. */
export interface Route {
  method: string;
  /** The OpenAPI template, e.g. `/v1/accounts/{account}/grants`. */
  template: string;
  pathParameters: RouteParameter[];
  queryParameters: RouteParameter[];
  body: { schema: JsonSchema; required: boolean } | null;
  /** True when the route names an account (path or body): another account's token must be refused on it. */
  namesAccount: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface OpenApiOperation {
  parameters?: RouteParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
}

/** Every operation of an OpenAPI 3.1 document, as the fuzz generates requests for it. */
export function routesOf(document: OpenApiDocument): Route[] {
  const components = document.components?.schemas ?? {};
  const resolve = (schema: JsonSchema): JsonSchema => resolveRefs(schema, components, 0);
  return Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const parameters = (operation.parameters ?? []).map((parameter) => ({
        ...parameter,
        required: parameter.required ?? false,
        schema: resolve(parameter.schema),
      }));
      const json = operation.requestBody?.content["application/json"];
      const body = json ? { schema: resolve(json.schema), required: operation.requestBody?.required ?? false } : null;
      const pathParameters = parameters.filter((parameter) => parameter.in === "path");
      return {
        method: method.toUpperCase(),
        template,
        pathParameters,
        queryParameters: parameters.filter((parameter) => parameter.in === "query"),
        body,
        namesAccount:
          pathParameters.some((parameter) => parameter.name === "account") ||
          body?.schema.properties?.account !== undefined,
      };
    }),
  );
}

/** The route a concrete path (already normalized, as the server sees it) would reach, if any. */
export function routeMatching(routes: readonly Route[], method: string, pathname: string): Route | undefined {
  const segments = pathname.split("/");
  return routes.find((route) => {
    if (route.method !== method) return false;
    const parts = route.template.split("/");
    return (
      parts.length === segments.length &&
      parts.every((part, index) => (part.startsWith("{") ? segments[index] !== "" : part === segments[index]))
    );
  });
}

function resolveRefs(schema: JsonSchema, components: Record<string, JsonSchema>, depth: number): JsonSchema {
  if (depth > 20) throw new Error("the OpenAPI document's schemas nest deeper than 20 levels");
  const next = (inner: JsonSchema) => resolveRefs(inner, components, depth + 1);
  if (schema.$ref) {
    const target = components[schema.$ref.replace("#/components/schemas/", "")];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return next(target);
  }
  const resolved: JsonSchema = { ...schema };
  if (schema.properties) {
    resolved.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([key, inner]) => [key, next(inner)]),
    );
  }
  if (schema.items) resolved.items = next(schema.items);
  if (typeof schema.additionalProperties === "object")
    resolved.additionalProperties = next(schema.additionalProperties);
  if (schema.anyOf) resolved.anyOf = schema.anyOf.map(next);
  if (schema.oneOf) resolved.oneOf = schema.oneOf.map(next);
  return resolved;
}
