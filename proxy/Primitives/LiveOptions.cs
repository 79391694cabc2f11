using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

internal static class LiveOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from the app's configuration with <paramref name="bind"/>, again whenever the
    /// configuration reloads: <see cref="IOptionsMonitor{TOptions}.CurrentValue"/> follows a live edit, as it does for
    /// <c>BindConfiguration</c> (which only binds one section).
    /// </summary>
    public static OptionsBuilder<TOptions> BindLive<TOptions>(this OptionsBuilder<TOptions> builder, Action<TOptions, IConfiguration> bind)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(bind);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<TOptions>>(sp =>
            new ConfigurationChangeTokenSource<TOptions>(builder.Name, sp.GetRequiredService<IConfiguration>()));
        return builder.Configure(bind);
    }
}
