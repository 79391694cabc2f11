namespace ModelGateway.Primitives;

/// <summary>The body of every non-2xx answer of the gateway's own endpoints (Comfy Cloud's flat shape).</summary>
internal sealed record ErrorResponse(string Code, string Message);
