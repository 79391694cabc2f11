using System.Diagnostics;
using System.Net;

namespace ModelGateway.Telemetry;

/// <summary>
/// One call per decision of the gateway: it is counted on the <c>ModelGateway</c> meter (<see cref="GatewayMetrics"/>)
/// and written as one structured event to the audit log, category <see cref="AuditCategory"/>. An event names the API
/// key by its configured name, the policy profile, the source, the host, the codes and the trace id — never a key, a
/// token, a query string or a full URL: callers pass only those fields. Floods of refusals (401, 429) are sampled per
/// client address or rate-limit partition (<see cref="AuditSampler"/>); the metrics count every one.
/// </summary>
internal sealed partial class GatewayTelemetry
{
    public const string AuditCategory = "ModelGateway.Audit";

    private readonly GatewayMetrics _metrics;
    private readonly AuditSampler _sampler;
    private readonly ILogger _audit;
    private readonly IAuditEventSink? _recent;

    public GatewayTelemetry(GatewayMetrics metrics, TimeProvider time, ILoggerFactory loggerFactory, IAuditEventSink? recent = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _recent = recent;
        _metrics = metrics;
        _sampler = new AuditSampler(time);
        _audit = loggerFactory.CreateLogger(AuditCategory);
    }

    /// <summary>One remote-metadata request was answered: 200 with its verdict, or an error code.</summary>
    public void MetadataAnswered(MetadataAudit answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var source = answer.Source ?? "none";
        var cacheStatus = answer.CacheStatus ?? "none";
        _metrics.MetadataAnswered(source, answer.Outcome, cacheStatus, answer.StatusCode, answer.ErrorCodes, answer.WarningCodes);
        _recent?.Record(AuditEvent.Metadata(answer));
        if (!_audit.IsEnabled(LogLevel.Information))
        {
            return; // the event's fields (joined codes, trace id) are only built for a log that writes them
        }
        if (answer.StatusCode == 200)
        {
            Log.MetadataAnswered(_audit, answer.Outcome, answer.Caller.KeyName, Or(answer.Caller.Profile), source, Or(answer.Host),
                Join(answer.ErrorCodes), Join(answer.WarningCodes), cacheStatus, Milliseconds(answer.Duration), TraceId());
        }
        else
        {
            Log.MetadataFailed(_audit, answer.StatusCode, answer.Outcome, answer.Caller.KeyName, Or(answer.Caller.Profile), source,
                Or(answer.Host), cacheStatus, Or(answer.Detail), Milliseconds(answer.Duration), TraceId());
        }
    }

    /// <summary>A source probe ended (a cache miss): timed per source; <paramref name="outcome"/> is <c>ok</c> or the error code.</summary>
    public void ProbeCompleted(string source, string outcome, TimeSpan duration) => _metrics.ProbeCompleted(source, outcome, duration);

    /// <summary>The rate limiter refused a request (429, or 503 while its store is down and it fails closed).</summary>
    public void RateLimited(RateLimitAudit refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        _metrics.RateLimitRefused(refusal.Caller.KeyName, refusal.Reason);
        var partition = refusal.ClientAddress is { } address ? "address " + Describe(address) : "key " + refusal.Caller.KeyName;
        if (_sampler.TryTake("ratelimit " + partition, out var heldBack))
        {
            _recent?.Record(AuditEvent.RateLimited(refusal));
            Log.RateLimited(_audit, refusal.StatusCode, refusal.Code, refusal.Caller.KeyName, Or(refusal.Caller.Profile),
                refusal.ClientAddress is { } a ? Describe(a) : "-", refusal.Reason, refusal.Limit, (int)refusal.Window.TotalSeconds,
                Or(refusal.Endpoint), heldBack, TraceId());
        }
    }

    /// <summary>
    /// A request was answered 401. A request without a key is audited here (sampled per client address); a wrong key is
    /// audited by the failed-authentication budget's own sampled line, so only counted here.
    /// </summary>
    public void Unauthenticated(IPAddress? clientAddress, bool keyPresented)
    {
        _metrics.AuthenticationFailed(keyPresented ? "unknown_key" : "missing_key");
        if (keyPresented)
        {
            return;
        }
        var address = clientAddress is null ? "unknown" : Describe(clientAddress);
        if (_sampler.TryTake("401 " + address, out var heldBack))
        {
            Log.MissingKey(_audit, address, heldBack, TraceId());
        }
    }

    /// <summary>A client address over its failed-authentication budget was refused (429); its budget's own line audits it.</summary>
    public void FailedAuthenticationBudgetRefused() => _metrics.RateLimitRefused(AuditCaller.Anonymous.KeyName, "failed_auth");

    /// <summary>The first byte of a download is about to go to the client.</summary>
    public void DownloadStarted(DownloadAudit download)
    {
        ArgumentNullException.ThrowIfNull(download);
        _metrics.DownloadStarted(download.Caller.KeyName);
        Log.DownloadStarted(_audit, download.Caller.KeyName, Or(download.Caller.Profile), download.Route, Or(download.Source),
            download.Host, download.ExpectedBytes ?? -1, download.Ranged, TraceId());
    }

    /// <summary>A download was refused before any byte went to the client (403 policy, 422 source or content, 429 …).</summary>
    public void DownloadRefused(DownloadAudit download, int statusCode, string code, string? detail, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(download);
        _metrics.DownloadRefused(download.Caller.KeyName, code);
        _recent?.Record(AuditEvent.DownloadRefused(download, statusCode, code, detail, duration));
        Log.DownloadRefused(_audit, statusCode, code, download.Caller.KeyName, Or(download.Caller.Profile), download.Route,
            Or(download.Source), download.Host, Or(detail), Milliseconds(duration), TraceId());
    }

    /// <summary>A download ended cleanly after <paramref name="bytes"/> bytes.</summary>
    public void DownloadCompleted(DownloadAudit download, int statusCode, long bytes, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(download);
        _metrics.DownloadCompleted(download.Caller.KeyName, bytes, duration);
        _recent?.Record(AuditEvent.DownloadCompleted(download, statusCode, bytes, duration));
        Log.DownloadCompleted(_audit, statusCode, download.Caller.KeyName, Or(download.Caller.Profile), download.Route,
            Or(download.Source), download.Host, Or(download.Cache), bytes, Milliseconds(duration), TraceId());
    }

    /// <summary>A download was cut off after its first byte; <paramref name="reason"/> is one of <see cref="DownloadAbortReasons"/>.</summary>
    public void DownloadAborted(DownloadAudit download, string reason, long bytes, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(download);
        _metrics.DownloadAborted(download.Caller.KeyName, reason, bytes, duration);
        _recent?.Record(AuditEvent.DownloadAborted(download, reason, bytes, duration));
        Log.DownloadAborted(_audit, reason, download.Caller.KeyName, Or(download.Caller.Profile), download.Route,
            Or(download.Source), download.Host, Or(download.Cache), bytes, Milliseconds(duration), TraceId());
    }

    /// <summary>A request of a route that enforces policy (not a file download) was forwarded and answered <paramref name="statusCode"/>.</summary>
    public void Forwarded(ForwardAudit forward, int statusCode, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _metrics.Forwarded(forward.Caller.KeyName, forward.Route, "forwarded");
        Log.Forwarded(_audit, forward.Method, forward.Endpoint, statusCode, forward.Caller.KeyName, Or(forward.Caller.Profile), forward.Route,
            forward.Source, Milliseconds(duration), TraceId());
    }

    /// <summary>A request of a route that enforces policy was refused before anything was sent upstream.</summary>
    public void ForwardRefused(ForwardAudit forward, int statusCode, string code)
    {
        ArgumentNullException.ThrowIfNull(forward);
        _metrics.Forwarded(forward.Caller.KeyName, forward.Route, code);
        Log.ForwardRefused(_audit, statusCode, code, forward.Method, forward.Endpoint, forward.Caller.KeyName, Or(forward.Caller.Profile),
            forward.Route, forward.Source, TraceId());
    }

    private static string Or(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string Join(IReadOnlyList<string> codes) => codes.Count == 0 ? "-" : string.Join(',', codes);

    private static long Milliseconds(TimeSpan duration) => (long)Math.Round(duration.TotalMilliseconds);

    private static string TraceId() => Activity.Current is { } activity ? activity.TraceId.ToHexString() : "-";

    private static string Describe(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Metadata {Outcome} for key {KeyName} (profile {Profile}): source {Source}, host {Host}, errors {ErrorCodes}, warnings {WarningCodes}, cache {CacheStatus}, {DurationMs} ms, trace {TraceId}.",
            EventName = "MetadataAnswered")]
        public static partial void MetadataAnswered(ILogger logger, string outcome, string keyName, string profile, string source, string host,
            string errorCodes, string warningCodes, string cacheStatus, long durationMs, string traceId);

        [LoggerMessage(2, LogLevel.Information,
            "Metadata {StatusCode} {Code} for key {KeyName} (profile {Profile}): source {Source}, host {Host}, cache {CacheStatus}: {Detail} {DurationMs} ms, trace {TraceId}.",
            EventName = "MetadataFailed")]
        public static partial void MetadataFailed(ILogger logger, int statusCode, string code, string keyName, string profile, string source,
            string host, string cacheStatus, string detail, long durationMs, string traceId);

        [LoggerMessage(3, LogLevel.Warning,
            "Refused {StatusCode} {Code} for key {KeyName} (profile {Profile}, address {ClientAddress}): {Reason}, limit {Limit} per {WindowSeconds} s on {Endpoint}; {HeldBack} refusal(s) of this partition not logged since its last line, trace {TraceId}.",
            EventName = "RateLimited")]
        public static partial void RateLimited(ILogger logger, int statusCode, string code, string keyName, string profile, string clientAddress,
            string reason, int limit, int windowSeconds, string endpoint, long heldBack, string traceId);

        [LoggerMessage(4, LogLevel.Information,
            "Refused 401 UNAUTHORIZED: no API key from {ClientAddress}; {HeldBack} such refusal(s) from this address not logged since its last line, trace {TraceId}.",
            EventName = "MissingApiKey")]
        public static partial void MissingKey(ILogger logger, string clientAddress, long heldBack, string traceId);

        [LoggerMessage(5, LogLevel.Information,
            "Download started for key {KeyName} (profile {Profile}) on {Route}: source {Source}, host {Host}, {ExpectedBytes} bytes expected, ranged {Ranged}, trace {TraceId}.",
            EventName = "DownloadStarted")]
        public static partial void DownloadStarted(ILogger logger, string keyName, string profile, string route, string source, string host,
            long expectedBytes, bool ranged, string traceId);

        [LoggerMessage(6, LogLevel.Information,
            "Download refused {StatusCode} {Code} for key {KeyName} (profile {Profile}) on {Route}: source {Source}, host {Host}: {Detail} {DurationMs} ms, trace {TraceId}.",
            EventName = "DownloadRefused")]
        public static partial void DownloadRefused(ILogger logger, int statusCode, string code, string keyName, string profile, string route,
            string source, string host, string detail, long durationMs, string traceId);

        [LoggerMessage(7, LogLevel.Information,
            "Download completed {StatusCode} for key {KeyName} (profile {Profile}) on {Route}: source {Source}, host {Host}, cache {Cache}, {Bytes} bytes in {DurationMs} ms, trace {TraceId}.",
            EventName = "DownloadCompleted")]
        public static partial void DownloadCompleted(ILogger logger, int statusCode, string keyName, string profile, string route, string source,
            string host, string cache, long bytes, long durationMs, string traceId);

        [LoggerMessage(8, LogLevel.Warning,
            "Download aborted ({Reason}) for key {KeyName} (profile {Profile}) on {Route}: source {Source}, host {Host}, cache {Cache}, {Bytes} bytes in {DurationMs} ms, trace {TraceId}.",
            EventName = "DownloadAborted")]
        public static partial void DownloadAborted(ILogger logger, string reason, string keyName, string profile, string route, string source,
            string host, string cache, long bytes, long durationMs, string traceId);

        [LoggerMessage(9, LogLevel.Information,
            "Forwarded {Method} {Endpoint} answered {StatusCode} for key {KeyName} (profile {Profile}) on {Route}: source {Source}, {DurationMs} ms, trace {TraceId}.",
            EventName = "Forwarded")]
        public static partial void Forwarded(ILogger logger, string method, string endpoint, int statusCode, string keyName, string profile,
            string route, string source, long durationMs, string traceId);

        [LoggerMessage(10, LogLevel.Information,
            "Forward refused {StatusCode} {Code}: {Method} {Endpoint} for key {KeyName} (profile {Profile}) on {Route}: source {Source}, trace {TraceId}.",
            EventName = "ForwardRefused")]
        public static partial void ForwardRefused(ILogger logger, int statusCode, string code, string method, string endpoint, string keyName,
            string profile, string route, string source, string traceId);
    }
}
