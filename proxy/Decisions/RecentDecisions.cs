using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;
using ModelGateway.Redis;
using ModelGateway.Telemetry;
using StackExchange.Redis;

namespace ModelGateway.Decisions;

/// <summary>What an admin read found, and where: <c>shared</c> (every replica's events, from Redis) or <c>replica</c> (this one's).</summary>
internal sealed record DecisionsPage(IReadOnlyList<AuditEvent> Events, string Scope)
{
    public const string Shared = "shared";
    public const string Replica = "replica";
}

/// <summary>
/// The bounded store of recent audit events behind <c>GET /api/admin/decisions</c>. Each event is kept in this replica's
/// memory (the newest <see cref="DecisionsOptions.MaxEvents"/>) and, when Redis is configured, appended by a background
/// writer to one capped Redis stream that every replica shares — the request that caused it never waits on Redis. A read
/// comes from the stream; without Redis, or while it is unreachable, from this replica's memory, and says so.
/// </summary>
internal sealed partial class RecentDecisions(
    IOptionsMonitor<DecisionsOptions> options,
    RedisConnection redis,
    RedisCircuit circuit,
    TimeProvider time,
    ILogger<RecentDecisions> logger) : BackgroundService, IAuditEventSink
{
    /// <summary>One key (no hash tag needed: nothing else is touched with it), apart from the cache's <c>model-gateway:</c> keys.</summary>
    public const string StreamKey = "model-gateway-decisions";

    private const string Field = "e";
    private const int PendingCapacity = 4096;
    private const int ReadChunk = 500;

    private readonly Lock _lock = new();
    private readonly Queue<AuditEvent> _local = new();

    // Events on their way to Redis; when Redis lags this far, the oldest are dropped (they stay in memory).
    private readonly Channel<AuditEvent> _pending = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(PendingCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Record(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var stamped = auditEvent with { Time = time.GetUtcNow() };
        var max = options.CurrentValue.MaxEvents;
        lock (_lock)
        {
            _local.Enqueue(stamped);
            while (_local.Count > max)
            {
                _local.Dequeue();
            }
        }
        if (redis.IsConfigured)
        {
            _pending.Writer.TryWrite(stamped);
        }
    }

    /// <summary>The newest events that match <paramref name="query"/>, newest first.</summary>
    public async Task<DecisionsPage> ReadAsync(DecisionQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (redis.IsConfigured && circuit.TryEnter())
        {
            try
            {
                var shared = await ReadSharedAsync(query, cancellationToken);
                circuit.ReportSuccess();
                return new DecisionsPage(shared, DecisionsPage.Shared);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                circuit.ReportFailure(ex);
            }
        }
        return new DecisionsPage(ReadLocal(query), DecisionsPage.Replica);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.IsConfigured)
        {
            return;
        }
        var batch = new List<AuditEvent>(64);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < 256 && _pending.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                await WriteAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: what is still pending stays in this replica's memory only
        }
    }

    private async Task WriteAsync(List<AuditEvent> batch)
    {
        if (!circuit.TryEnter() || redis.Multiplexer is not { } multiplexer)
        {
            return; // Redis is down: these events are in this replica's memory only
        }
        try
        {
            var database = multiplexer.GetDatabase();
            var max = options.CurrentValue.MaxEvents;
            var writes = batch.Select(e => database.StreamAddAsync(StreamKey, Field, JsonSerializer.Serialize(e, GatewayJson.Options),
                maxLength: max, useApproximateMaxLength: true)).ToList();
            await Task.WhenAll(writes);
            circuit.ReportSuccess();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            circuit.ReportFailure(ex);
            Log.NotShared(logger, batch.Count);
        }
    }

    private async Task<List<AuditEvent>> ReadSharedAsync(DecisionQuery query, CancellationToken cancellationToken)
    {
        var database = redis.GetRequired().GetDatabase();
        var found = new List<AuditEvent>(Math.Min(query.Limit, 128));
        var max = options.CurrentValue.MaxEvents;
        RedisValue newest = "+";
        // Newest first, a chunk at a time, until enough match or the store's bound is scanned (trimming is approximate).
        for (var scanned = 0; found.Count < query.Limit && scanned < max;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = await database.StreamRangeAsync(StreamKey, "-", newest, ReadChunk, Order.Descending);
            if (entries.Length == 0)
            {
                break;
            }
            foreach (var entry in entries)
            {
                scanned++;
                if (Parse(entry[Field]) is { } auditEvent && query.Matches(auditEvent))
                {
                    found.Add(auditEvent);
                    if (found.Count == query.Limit)
                    {
                        break;
                    }
                }
            }
            newest = "(" + entries[^1].Id;
        }
        return found;
    }

    private List<AuditEvent> ReadLocal(DecisionQuery query)
    {
        AuditEvent[] events;
        lock (_lock)
        {
            events = _local.ToArray();
        }
        var found = new List<AuditEvent>(Math.Min(query.Limit, 128));
        for (var i = events.Length - 1; i >= 0 && found.Count < query.Limit; i--)
        {
            if (query.Matches(events[i]))
            {
                found.Add(events[i]);
            }
        }
        return found;
    }

    /// <summary>An entry another version wrote, or that is not ours, is skipped.</summary>
    private static AuditEvent? Parse(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<AuditEvent>((string)value!, GatewayJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "{Count} audit event(s) kept in this replica only: Redis did not take them.", EventName = "DecisionsNotShared")]
        public static partial void NotShared(ILogger logger, int count);
    }
}
