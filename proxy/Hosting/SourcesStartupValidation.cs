using Microsoft.Extensions.Options;
using ModelGateway.Sources;

namespace ModelGateway.Hosting;

/// <summary>
/// Every <c>Sources:&lt;name&gt;</c> section as the <see cref="SourceOptions"/> keys all sources share, bound only to be
/// checked at startup: a malformed <c>BaseUrl</c> would otherwise be ignored silently (the egress trust list and
/// the BaseUrl rule skip what does not parse) and probes would go to the public host instead.
/// </summary>
public sealed class SourcesStartupOptions
{
    public Dictionary<string, SourceOptions> Sources { get; } = new(StringComparer.OrdinalIgnoreCase);
}

public static class SourcesStartupValidation
{
    public static IServiceCollection AddSourcesStartupValidation(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SourcesStartupOptions>()
            .Configure<IConfiguration>((options, configuration) =>
            {
                foreach (var section in configuration.GetSection("Sources").GetChildren())
                {
                    var source = new SourceOptions();
                    section.Bind(source);
                    options.Sources[section.Key] = source;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SourcesStartupOptions>, Validator>();
        return services;
    }

    private sealed class Validator(IEnumerable<SelfValidatedSourceSection> selfValidated) : IValidateOptions<SourcesStartupOptions>
    {
        private readonly HashSet<string> _skipped = selfValidated.Select(s => s.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);

        public ValidateOptionsResult Validate(string? name, SourcesStartupOptions options)
        {
            var failures = options.Sources
                .Where(source => !_skipped.Contains($"Sources:{source.Key}"))
                .SelectMany(source => source.Value.Validate($"Sources:{source.Key}")).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
