namespace ModelGateway.Callers;

internal static class CallerHttpContextExtensions
{
    /// <summary>
    /// The request's caller, which authentication resolved once (<c>UseAuthentication</c> runs the key check on every
    /// request). Throws when it did not run: nothing may guess who is asking.
    /// </summary>
    public static Caller GetCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<Caller>()
            ?? throw new InvalidOperationException("No caller on the request: UseAuthentication() resolves it before any endpoint runs.");
    }

    /// <summary>Keeps <paramref name="caller"/> as the request's caller (authentication's step).</summary>
    public static void SetCaller(this HttpContext context, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Features.Set(caller);
    }
}
