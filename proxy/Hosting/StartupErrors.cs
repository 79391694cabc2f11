using Microsoft.Extensions.Options;

namespace ModelGateway.Hosting;

/// <summary>Turns configuration failures at startup into one readable list instead of a stack trace.</summary>
public static class StartupErrors
{
    public static bool TryDescribe(Exception exception, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        Collect(exception, found);
        problems = found;
        return found.Count > 0;
    }

    private static void Collect(Exception exception, List<string> problems)
    {
        switch (exception)
        {
            case OptionsValidationException options:
                problems.AddRange(options.Failures);
                break;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, problems);
                }
                break;
            case InvalidOperationException { InnerException: { } inner } when exception.Message.Contains("proxy config", StringComparison.OrdinalIgnoreCase):
                // YARP: "Unable to load or apply the proxy configuration." wrapping the list of route/cluster errors.
                if (inner is AggregateException yarp)
                {
                    problems.AddRange(yarp.InnerExceptions.Select(e => $"ReverseProxy: {e.Message}"));
                }
                else
                {
                    problems.Add($"ReverseProxy: {inner.Message}");
                }
                break;
        }
    }
}
