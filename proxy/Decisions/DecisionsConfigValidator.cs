using ModelGateway.Primitives;

namespace ModelGateway.Decisions;

/// <summary><c>Decisions:MaxEvents</c> within its range.</summary>
internal sealed class DecisionsConfigValidator : IFeatureConfigValidator
{
    public void Validate(IConfiguration configuration, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        var options = new DecisionsOptions();
        if (ConfigBinding.TryBind(configuration.GetSection(DecisionsOptions.SectionName), options, problems)
            && options.MaxEvents is < DecisionsOptions.MinEvents or > DecisionsOptions.MaxEventsLimit)
        {
            problems.Add($"{DecisionsOptions.SectionName}:MaxEvents must be between {DecisionsOptions.MinEvents} and {DecisionsOptions.MaxEventsLimit}.");
        }
    }
}
