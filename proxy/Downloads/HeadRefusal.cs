using ModelGateway.Primitives;

namespace ModelGateway.Downloads;

/// <summary>A check of a file's first bytes said no: how the download ends and what the client is answered (nothing was sent).</summary>
internal sealed record HeadRefusal(DownloadOutcome Outcome, GatewayException Error);

/// <summary>
/// A check of a file's first bytes (up to <see cref="StreamCopy.HeadBytes"/>, fewer for a shorter body), run before
/// any byte reaches the client: null lets them go.
/// </summary>
internal delegate HeadRefusal? HeadGate(ReadOnlyMemory<byte> head);
