using Microsoft.Extensions.Options;

namespace ModelGateway.UnitTests.Infrastructure;

/// <summary>An options monitor whose value a test replaces, as a configuration reload replaces it (a new instance).</summary>
internal sealed class ReloadableOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue { get; set; } = value;

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
