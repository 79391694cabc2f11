using Microsoft.Extensions.Options;

namespace ModelGateway.Hosting;

/// <summary>Turns configuration failures at startup into one readable list instead of a stack trace.</summary>
public static class StartupErrors
{
    /// <summary>
    /// Program's filter: true when <paramref name="exception"/> is a configuration failure and the gateway runs as its
    /// own process, which then prints <paramref name="problems"/> and exits 1. When another entry point hosts it
    /// (WebApplicationFactory), false: the failure must reach that host instead of being printed and swallowed.
    /// </summary>
    public static bool TryDescribe(Exception exception, out IReadOnlyList<string> problems)
    {
        problems = Describe(exception);
        return problems.Count > 0 && System.Reflection.Assembly.GetEntryAssembly() == typeof(StartupErrors).Assembly;
    }

    /// <summary>Every configuration problem <paramref name="exception"/> carries; empty when it is not a configuration failure.</summary>
    public static IReadOnlyList<string> Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var found = new List<string>();
        Collect(exception, found);
        return found;
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
            case FileNotFoundException notFound when notFound.Message.Contains("configuration file", StringComparison.OrdinalIgnoreCase):
                problems.Add(notFound.Message + " Start the gateway from the repository root (or /app in the container), where config/ is.");
                break;
            case InvalidOperationException when IsBindingFailure(exception):
                // The binder's own words name the key, the value and the type it must be.
                problems.Add(exception.Message);
                break;
        }
    }

    /// <summary>A configuration value that cannot be converted to its option's type (<c>MaxSizeBytes: "abc"</c>).</summary>
    public static bool IsBindingFailure(Exception exception) =>
        exception is InvalidOperationException
        && exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);
}
