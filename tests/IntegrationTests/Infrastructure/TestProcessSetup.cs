using System.Runtime.CompilerServices;

namespace ModelGateway.IntegrationTests.Infrastructure;

internal static class TestProcessSetup
{
    /// <summary>
    /// The tests start hundreds of hosts (gateways and fakes) in one process; each would watch its configuration
    /// files, and Linux allows a user only 128 inotify instances. Nothing edits those files during a test run; the
    /// tests about watching (Hosting/LiveConfigurationTests) turn it on for their own gateway over a temporary copy.
    /// </summary>
    [ModuleInitializer]
    internal static void DisableConfigurationFileWatching() =>
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
}
