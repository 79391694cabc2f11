using System.Net.Http.Headers;

namespace ModelGateway.Egress;

/// <summary>The final answer of an <see cref="EgressRequest"/> and the URLs it passed through.</summary>
internal sealed class EgressResponse(HttpResponseMessage response, IReadOnlyList<Uri> hops, int maxJsonBytes) : IDisposable
{
    public HttpResponseMessage Message { get; } = response;

    /// <summary>Every URL requested, the first being the request's own and the last the one that answered.</summary>
    public IReadOnlyList<Uri> Hops { get; } = hops;

    public Uri FinalUrl => Hops[^1];

    /// <summary>
    /// The headers of every answer, in the order of <see cref="Hops"/> (the redirects' and the final one's): a source's
    /// own headers on its redirect to storage (Hugging Face's <c>X-Repo-Commit</c>, <c>X-Linked-*</c>) describe the file.
    /// </summary>
    public IReadOnlyList<HttpResponseHeaders> HopHeaders { get; init; } = [];

    public int StatusCode => (int)Message.StatusCode;

    public bool IsSuccess => Message.IsSuccessStatusCode;

    /// <summary>
    /// The body's bytes, at most <c>Egress:MaxJsonBytes</c> (else <see cref="EgressFailure.BodyTooLarge"/>), for a
    /// source that deserializes a JSON answer itself.
    /// </summary>
    public Task<byte[]> ReadJsonBodyAsync(CancellationToken cancellationToken) =>
        EgressBody.ReadBoundedAsync(Message, maxJsonBytes, cancellationToken);

    public void Dispose() => Message.Dispose();
}
