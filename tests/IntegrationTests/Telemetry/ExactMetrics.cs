namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>
/// Tests that assert exact meter values run alone: OpenTelemetry listens to every meter of the name in the process,
/// so another test's gateway serving at the same time would add to the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExactMetrics
{
    public const string Name = "Exact metrics";
}
