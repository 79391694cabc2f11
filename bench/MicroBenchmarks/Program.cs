using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Usage: dotnet run -c Release --project bench/MicroBenchmarks -- [--quick] [--artifacts <dir>] [BenchmarkDotNet arguments]
// In-process (no generated project to build), time and allocations per call, a GitHub-markdown report per class.
var quick = args.Contains("--quick");
var artifacts = args.SkipWhile(a => a != "--artifacts").Skip(1).FirstOrDefault();
var rest = args.Where((a, i) => a != "--quick" && a != "--artifacts" && (i == 0 || args[i - 1] != "--artifacts")).ToArray();

var job = (quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
var config = DefaultConfig.Instance
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddExporter(MarkdownExporter.GitHub);
if (artifacts is not null)
{
    config = config.WithArtifactsPath(artifacts);
}
var summaries = BenchmarkSwitcher.FromAssembly(typeof(ModelGateway.MicroBenchmarks.SnifferBenchmarks).Assembly)
    .Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
