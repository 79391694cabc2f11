using System.Net;
using ModelGateway.Telemetry;

namespace ModelGateway.ForwardProxy;

/// <summary>
/// The forward proxy's events in the audit log (<see cref="GatewayTelemetry.AuditCategory"/>): every tunnel opened and
/// closed (relayed or intercepted) with the key's name, and every CONNECT refused to a known key. The requests of an
/// intercepted tunnel are audited by the pipeline they run through (downloads, forwarded requests), with the same key.
/// </summary>
internal sealed partial class ForwardProxyAudit(ILoggerFactory loggerFactory)
{
    private readonly ILogger _audit = loggerFactory.CreateLogger(GatewayTelemetry.AuditCategory);

    public void Opened(string keyName, string mode, string host, int port, IPAddress? client) =>
        Log.TunnelOpened(_audit, keyName, mode, host, port, Describe(client));

    public void Closed(string keyName, string mode, string host, int port, long bytesFromClient, long bytesToClient, TimeSpan duration, string reason) =>
        Log.TunnelClosed(_audit, keyName, mode, host, port, bytesFromClient, bytesToClient, (long)duration.TotalMilliseconds, reason);

    public void Refused(string keyName, string host, int port, int statusCode, string code, IPAddress? client) =>
        Log.TunnelRefused(_audit, keyName, host, port, statusCode, code, Describe(client));

    public void HandshakeFailed(string keyName, string host, IPAddress? client, string reason) =>
        Log.HandshakeFailed(_audit, keyName, host, Describe(client), reason);

    private static string Describe(IPAddress? address) =>
        address is null ? "-" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Information, "Proxy tunnel opened: key {KeyName}, {Mode} {Host}:{Port}, client {ClientAddress}", EventName = "ProxyTunnelOpened")]
        public static partial void TunnelOpened(ILogger logger, string keyName, string mode, string host, int port, string clientAddress);

        [LoggerMessage(102, LogLevel.Information, "Proxy tunnel closed: key {KeyName}, {Mode} {Host}:{Port}, {BytesFromClient} bytes from the client, {BytesToClient} to it, {DurationMs} ms, {Reason}", EventName = "ProxyTunnelClosed")]
        public static partial void TunnelClosed(ILogger logger, string keyName, string mode, string host, int port, long bytesFromClient, long bytesToClient, long durationMs, string reason);

        [LoggerMessage(103, LogLevel.Information, "Proxy CONNECT refused: key {KeyName}, {Host}:{Port}, {StatusCode} {Code}, client {ClientAddress}", EventName = "ProxyTunnelRefused")]
        public static partial void TunnelRefused(ILogger logger, string keyName, string host, int port, int statusCode, string code, string clientAddress);

        [LoggerMessage(104, LogLevel.Information, "Proxy TLS handshake failed: key {KeyName}, {Host}, client {ClientAddress}: {Reason} (does the client trust the organisation's CA?)", EventName = "ProxyHandshakeFailed")]
        public static partial void HandshakeFailed(ILogger logger, string keyName, string host, string clientAddress, string reason);
    }
}
