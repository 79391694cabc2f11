using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.PickleScan;

/// <summary>
/// The fake CivitAI and Hugging Face of <see cref="DownloadHosts"/>, and a loopback gateway whose policy allows pickles
/// by format (SafeTensor and PickleTensor) with the pickle scan on by default; profile <c>strict</c> stays SafeTensor only.
/// </summary>
public sealed class PickleScanHosts : IAsyncLifetime
{
    public DownloadHosts Hosts { get; } = new();

    public LoopbackGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Hosts.InitializeAsync();
        var settings = Hosts.Settings();
        settings["Policy:AllowedFormats:0"] = "SafeTensor";
        settings["Policy:AllowedFormats:1"] = "PickleTensor";
        settings["PolicyProfiles:strict:AllowedFormats:0"] = "SafeTensor";
        Gateway = LoopbackGateway.Start(settings);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Hosts.DisposeAsync();
    }
}
