using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModelGateway.Forwarding;

/// <summary>
/// Every route: an upstream's <c>Set-Cookie</c> never reaches the client. All upstreams answer on the gateway's
/// origin, so a cookie one of them sets would be sent to every other route (and to the gateway's own endpoints) by
/// the client's browser or HTTP library — whatever the answer's status.
/// </summary>
internal sealed class UpstreamCookieTransform : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AddResponseHeaderRemove(HeaderNames.SetCookie, ResponseCondition.Always);
        context.AddResponseTrailerRemove(HeaderNames.SetCookie, ResponseCondition.Always);
    }
}
