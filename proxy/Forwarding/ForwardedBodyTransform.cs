using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ModelGateway.Forwarding;

/// <summary>
/// The last response transform of every route (registered after all others: writing a body sends the headers, which no
/// transform may touch after it): a redirect away from the source on an enforcing route becomes a 502, and an answer whose
/// JSON the source's rules strip (<see cref="ForwardedExchange.StripJsonAsync"/>) is streamed without those properties.
/// </summary>
internal sealed class ForwardedBodyTransform : ITransformProvider
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
        context.AddResponseTransform(async transform =>
        {
            if (transform.ProxyResponse is null || transform.HttpContext.Features.Get<ForwardedExchange>() is not { } exchange)
            {
                return;
            }
            if (exchange.RedirectsAway)
            {
                await ForwardedExchange.RefuseRedirectAsync(transform);
                return;
            }
            await exchange.StripJsonAsync(transform);
        });
    }
}
