using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ModelGateway.Primitives;

namespace ModelGateway.Hosting;

/// <summary>
/// <c>/openapi/v1.json</c>: the gateway's own endpoints as ASP.NET Core describes them from their metadata, with the
/// error body (<see cref="ErrorResponse"/>) and the codes each status can carry (docs/api.md is the full contract), the
/// API key scheme, and query parameters the handlers read themselves.
/// </summary>
internal static class GatewayOpenApi
{
    public const string DocumentPath = "/openapi/{documentName}.json";

    /// <summary>
    /// Describes one response: its body type (<see cref="ErrorResponse"/> for every status from 400 up unless given)
    /// and, in the description, the codes it carries.
    /// </summary>
    public static TBuilder Responds<TBuilder>(this TBuilder builder, int statusCode, string description, Type? body = null,
        string contentType = "application/json")
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var type = body ?? (statusCode >= 400 ? typeof(ErrorResponse) : null);
        // typeof(void): an answer without a body is still listed (a null type would be left out of the document).
        return builder.WithMetadata(new ProducesResponseTypeMetadata(statusCode, type ?? typeof(void), type is null ? null : [contentType])
        {
            Description = description,
        });
    }

    /// <summary>A query parameter the handler reads from the request itself (so ASP.NET Core cannot infer it).</summary>
    public static TBuilder WithQueryParameter<TBuilder>(this TBuilder builder, string name, string description, bool required = true)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new QueryParameterMetadata(name, description, required));
    }

    /// <summary>The OpenAPI document: title, the API key scheme, the query parameters endpoints declare.</summary>
    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Model egress gateway",
                    Version = "v1",
                    Description = "The gateway's own endpoints (forwarding routes are YARP's and not listed). Every endpoint except " +
                        "/healthz*, /metrics and this document needs an API key. Errors are {code, message}; docs/api.md in the " +
                        "repository is the contract.",
                };
                // ASP.NET Core fills servers from the request's Host (and scheme), which a client chooses: a relative
                // server keeps the document the same for everyone and points clients where they fetched it.
                document.Servers = [new OpenApiServer { Url = "/" }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-API-Key",
                    Description = "The API key an administrator gave the caller (stored by the gateway only as its SHA-256).",
                };
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The same API key as a bearer token (what Hugging Face clients send as their token).",
                };
                // Either scheme: requirements in this list are alternatives.
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, _, _) =>
            {
                // Bodies are written with GatewayJson: an absent value is omitted, never null, and a number is a number
                // (the web defaults would also read one from a string, which the schema would otherwise offer).
                if (schema.Type is { } type && type != JsonSchemaType.Null)
                {
                    type &= ~JsonSchemaType.Null;
                    if ((type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
                    {
                        type &= ~JsonSchemaType.String;
                        schema.Pattern = null;
                    }
                    schema.Type = type;
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                foreach (var produces in context.Description.ActionDescriptor.EndpointMetadata.OfType<ProducesResponseTypeMetadata>())
                {
                    var status = produces.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (produces.Description is { } description && operation.Responses?.TryGetValue(status, out var response) == true)
                    {
                        response.Description = description;
                    }
                }
                foreach (var parameter in context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameterMetadata>())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = parameter.Name,
                        In = ParameterLocation.Query,
                        Required = parameter.Required,
                        Description = parameter.Description,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }
                return Task.CompletedTask;
            });
        });
    }

    private sealed record QueryParameterMetadata(string Name, string Description, bool Required);
}
