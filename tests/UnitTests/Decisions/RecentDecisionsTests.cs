using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelGateway.Decisions;
using ModelGateway.Redis;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Decisions;

/// <summary>The store without Redis: this replica's newest events, exactly <c>Decisions:MaxEvents</c> of them at most.</summary>
public sealed class RecentDecisionsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private RecentDecisions Store(int maxEvents)
    {
        var redisOptions = Options.Create(new RedisOptions());
        var circuit = new RedisCircuit(redisOptions, Options.Create(new RedisCircuitOptions()), _time, NullLogger<RedisCircuit>.Instance);
        var monitor = new StaticOptionsMonitor(new DecisionsOptions { MaxEvents = maxEvents });
        return new RecentDecisions(monitor, new RedisConnection(redisOptions, circuit, NullLogger<RedisConnection>.Instance), circuit, _time,
            NullLogger<RecentDecisions>.Instance);
    }

    private static AuditEvent Event(int i) => new()
    {
        Kind = "metadata", KeyName = i % 2 == 0 ? "even" : "odd", Outcome = AuditOutcomes.Allowed, StatusCode = 200, DurationMs = i,
    };

    [Fact]
    public async Task Read_MoreThanMaxRecorded_OnlyTheNewestMaxNewestFirstStamped()
    {
        var store = Store(maxEvents: 100);
        for (var i = 0; i < 130; i++)
        {
            store.Record(Event(i));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await store.ReadAsync(new DecisionQuery(null, null, 1000), CancellationToken.None);

        Assert.Equal("replica", page.Scope);
        Assert.Equal(Enumerable.Range(30, 100).Reverse().Select(i => (long)i), page.Events.Select(e => e.DurationMs));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 12, 2, 9, TimeSpan.Zero), page.Events[0].Time);
    }

    [Fact]
    public async Task Read_KeyFilterAndLimit_NewestMatchesOnly()
    {
        var store = Store(maxEvents: 100);
        for (var i = 0; i < 10; i++)
        {
            store.Record(Event(i));
        }

        var page = await store.ReadAsync(new DecisionQuery("odd", null, 3), CancellationToken.None);

        Assert.Equal([9L, 7L, 5L], page.Events.Select(e => e.DurationMs));
    }

    private sealed class StaticOptionsMonitor(DecisionsOptions value) : IOptionsMonitor<DecisionsOptions>
    {
        public DecisionsOptions CurrentValue => value;

        public DecisionsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DecisionsOptions, string?> listener) => null;
    }
}
