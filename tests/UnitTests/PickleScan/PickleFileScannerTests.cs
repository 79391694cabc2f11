using System.Diagnostics;
using ModelGateway.PickleScan;
using ModelGateway.Policies;
using ModelGateway.Testing;

namespace ModelGateway.UnitTests.PickleScan;

public sealed class PickleFileScannerTests
{
    public static TheoryData<string> BypassIds => [.. PickleBypasses.All.Select(f => f.Id)];

    [Theory]
    [MemberData(nameof(BypassIds))]
    public void Scan_BypassFixture_IsRefusedByItsRule(string id)
    {
        var fixture = PickleBypasses.Get(id);

        var report = PickleFileScanner.ScanBytes(fixture.Bytes);

        Assert.Contains(report.Findings, f => f.Rule == fixture.Rule);
        Assert.Equal(fixture.Rule == PickleRules.Container ? PickleVerdict.Unscannable : PickleVerdict.Dangerous, report.Verdict);
        Assert.Equal(report.Verdict, report.VerdictFor(allowExtensions: true));
    }

    [Theory]
    [MemberData(nameof(BypassIds))]
    public void Scan_BypassFixtureReadByRanges_GivesTheWholeFileVerdict(string id)
    {
        var fixture = PickleBypasses.Get(id);

        var ranged = ScanByRanges(fixture.Bytes, headBytes: 200);

        Assert.Equal(PickleFileScanner.ScanBytes(fixture.Bytes).Verdict, ranged.Verdict);
        Assert.Contains(ranged.Findings, f => f.Rule == fixture.Rule);
    }

    [Fact]
    public void Scan_BenignTorchZip_IsSafe()
    {
        var file = PickleBypasses.BenignZip();

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Equal(PickleVerdict.Safe, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal("torch-zip", report.Container);
        Assert.NotNull(report.CentralDirectorySha256);
        Assert.Equal(PickleFileScanner.Sha256(file.AsSpan((int)report.CentralDirectoryOffset!.Value)), report.CentralDirectorySha256);
        Assert.Equal(64 + TorchFiles.StateDictPickle(TorchFiles.SmallModel).Length, report.PrefixLength);
    }

    [Fact]
    public void Scan_BenignTorchZipReadByRanges_IsSafe()
    {
        var file = TorchFiles.Zip([.. Enumerable.Range(0, 300).Select(i => new TorchTensor($"layer.{i}.weight", "FloatStorage", [8, 8]))]);

        var report = ScanByRanges(file, headBytes: 1024);

        Assert.Equal(PickleVerdict.Safe, report.Verdict);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public void Scan_BenignLegacyTorch_IsSafe()
    {
        var report = PickleFileScanner.ScanBytes(PickleBypasses.BenignLegacy());

        Assert.Equal(PickleVerdict.Safe, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal("torch-legacy", report.Container);
    }

    [Fact]
    public void Scan_BenignRawStateDict_IsSafe()
    {
        var report = PickleFileScanner.ScanBytes(PickleBypasses.BenignRaw());

        Assert.Equal(PickleVerdict.Safe, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal("pickle", report.Container);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Scan_PickledOrderedDict_IsSafe(int protocol)
    {
        Assert.Equal(PickleVerdict.Safe, PickleFileScanner.ScanBytes(ModelFiles.Pickle(protocol)).Verdict);
    }

    [Fact]
    public void Scan_NumpyReconstruct_IsSuspiciousUnlessExtensionsAllowed()
    {
        var report = PickleFileScanner.ScanBytes(PickleBypasses.NumpyExtension());

        Assert.Equal(PickleVerdict.Suspicious, report.Verdict);
        Assert.Equal(PickleVerdict.Safe, report.VerdictFor(allowExtensions: true));
        Assert.All(report.Findings, f => Assert.True(f.Extension));
        Assert.Contains(report.Findings, f => f.Detail == "numpy.core.multiarray._reconstruct");
    }

    [Theory]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "__import__")]
    [InlineData("subprocess", "Popen")]
    [InlineData("asyncio.unix_events", "_UnixSubprocessTransport")]
    [InlineData("operator", "attrgetter")]
    [InlineData("functools", "partial")]
    [InlineData("torch.jit", "load")]
    [InlineData("torch.serialization", "load")]
    [InlineData("importlib", "import_module")]
    [InlineData("marshal", "loads")]
    [InlineData("runpy", "run_path")]
    [InlineData("ctypes", "CDLL")]
    [InlineData("socket", "create_connection")]
    [InlineData("posix", "system")]
    [InlineData("nt", "system")]
    [InlineData("sys", "modules")]
    public void Scan_NeverAllowedGlobal_IsDangerousAndNamed(string module, string name)
    {
        var report = Scan(new PickleWriter().Proto(4).Unicode(module).Unicode(name).StackGlobal().Stop());

        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
        Assert.Contains(new PickleFinding(PickleRules.GlobalDenied, PickleVerdict.Dangerous, $"{module}.{name}"), report.Findings);
    }

    [Fact]
    public void Scan_UnknownGlobal_IsSuspicious()
    {
        var report = Scan(new PickleWriter().Proto(2).Global("argparse", "Namespace").EmptyTuple().Reduce().Stop());

        Assert.Equal(PickleVerdict.Suspicious, report.Verdict);
        Assert.Contains(new PickleFinding(PickleRules.GlobalUnknown, PickleVerdict.Suspicious, "argparse.Namespace"), report.Findings);
        Assert.Contains(new PickleFinding(PickleRules.CallUnknown, PickleVerdict.Suspicious, "REDUCE argparse.Namespace"), report.Findings);
    }

    [Fact]
    public void Scan_Protocol2BuiltinSet_IsRenamedAndAllowed()
    {
        var report = Scan(new PickleWriter().Proto(2).Global("__builtin__", "set").EmptyList().Tuple1().Reduce().Stop());

        Assert.Equal(PickleVerdict.Safe, report.Verdict);
    }

    [Fact]
    public void Scan_Protocol2BuiltinEval_IsRenamedAndDenied()
    {
        var report = Scan(new PickleWriter().Proto(2).Global("__builtin__", "eval").Unicode("1").Tuple1().Reduce().Stop());

        Assert.Contains(new PickleFinding(PickleRules.GlobalDenied, PickleVerdict.Dangerous, "builtins.eval"), report.Findings);
    }

    [Fact]
    public void Scan_Protocol3OldModuleName_IsNotRenamed()
    {
        var report = Scan(new PickleWriter().Proto(3).Global("__builtin__", "set").EmptyList().Tuple1().Reduce().Stop());

        Assert.Contains(new PickleFinding(PickleRules.GlobalUnknown, PickleVerdict.Suspicious, "__builtin__.set"), report.Findings);
    }

    [Fact]
    public void Scan_DottedNameOfAllowedGlobal_IsDangerous()
    {
        var report = Scan(new PickleWriter().Proto(4).Unicode("torch").Unicode("Tensor.__reduce_ex__").StackGlobal().Stop());

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.GlobalDotted && f.Detail == "torch.Tensor.__reduce_ex__");
    }

    [Fact]
    public void Scan_RebuildFromTypeWithUnknownFunction_IsDangerous()
    {
        var report = Scan(new PickleWriter().Proto(2).Global("torch._tensor", "_rebuild_from_type_v2")
            .Mark().Global("mymodule", "func").Global("torch", "Tensor").EmptyTuple().EmptyDict().Tuple().Reduce().Stop());

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.RebuildFromType);
        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
    }

    [Theory]
    [InlineData("append-on-dict")]
    [InlineData("build-on-dict")]
    [InlineData("additems-on-list")]
    public void Scan_StructuralRuleBroken_IsDangerous(string which)
    {
        var (writer, rule) = which switch
        {
            "append-on-dict" => (new PickleWriter().Proto(2).EmptyDict().Number(1).Append().Stop(), PickleRules.AppendTarget),
            "build-on-dict" => (new PickleWriter().Proto(2).EmptyDict().EmptyDict().Build().Stop(), PickleRules.BuildTarget),
            _ => (new PickleWriter().Proto(4).EmptyList().Mark().Number(1).Op(0x90).Stop(), PickleRules.AddItemsTarget),
        };

        var report = Scan(writer);

        Assert.Contains(report.Findings, f => f.Rule == rule);
        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
    }

    [Theory]
    [InlineData(0x82, PickleRules.ExtOpcode)]
    [InlineData(0x97, PickleRules.BufferOpcode)]
    public void Scan_OpcodeWithoutMeaningInAFile_IsDangerous(byte opcode, string rule)
    {
        var writer = new PickleWriter().Proto(5).Op(opcode);
        if (opcode == 0x82)
        {
            writer.Op(1);
        }

        var report = Scan(writer.Stop());

        Assert.Contains(report.Findings, f => f.Rule == rule);
    }

    [Fact]
    public void Scan_TextPersistentId_IsDangerous()
    {
        var report = Scan(new PickleWriter().Raw("P0\n."u8));

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.TextPersistentId);
    }

    [Fact]
    public void Scan_PersistentIdNotAStorage_IsDangerous()
    {
        var report = Scan(new PickleWriter().Proto(2).Unicode("module").Global("os", "getcwd").Tuple2().BinPersId().Stop());

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.PersistentId);
    }

    [Fact]
    public void Scan_StopWithTwoValues_IsDangerous()
    {
        var report = Scan(new PickleWriter().Proto(2).Number(1).Number(2).Stop());

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.StopStack);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x02, 0xFF, (byte)'.' })] // unknown opcode
    [InlineData(new byte[] { 0x80, 0x06, (byte)'N', (byte)'.' })] // protocol 6
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N' })] // no STOP
    [InlineData(new byte[] { 0x80, 0x02, (byte)'h', 0x05, (byte)'.' })] // memo read before written
    [InlineData(new byte[] { 0x80, 0x02, (byte)'R', (byte)'.' })] // stack underflow
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0xFF, 0xFF, 0xFF, 0x7F, (byte)'.' })] // length past the end
    [InlineData(new byte[] { 0x80, 0x04, 0x95, 0x01, 0, 0, 0, 0, 0, 0, 0, (byte)'K', 0x01, (byte)'N', (byte)'.' })] // opcode over a frame's end
    public void Scan_MalformedPickle_FailsClosed(byte[] file)
    {
        var report = PickleFileScanner.ScanBytes(file);

        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ParseError);
    }

    [Fact]
    public void Scan_ProtoNotFirst_IsSuspicious()
    {
        var report = Scan(new PickleWriter().Op((byte)'N').Op((byte)'0').Proto(2).Op((byte)'N').Stop());

        Assert.Equal(PickleVerdict.Suspicious, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ProtoPosition);
    }

    [Fact]
    public void Scan_ConcatenatedRawPickles_JudgesEveryOne()
    {
        byte[] file = [.. ModelFiles.Pickle(2), .. new PickleWriter().Proto(2).Global("os", "system").Stop().ToArray()];

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Contains(new PickleFinding(PickleRules.GlobalDenied, PickleVerdict.Dangerous, "os.system"), report.Findings);
    }

    [Fact]
    public void Scan_OverTheOpcodeBound_IsUnscannable()
    {
        var writer = new PickleWriter().Proto(2).EmptyList();
        for (var i = 0; i < 10_000; i++)
        {
            writer.Number(1).Append();
        }

        var report = PickleFileScanner.ScanBytes(writer.Stop().ToArray(), PickleScanLimits.Default with { MaxOpcodes = 8192 });

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.Limit);
    }

    [Fact]
    public void Scan_MemoExpansion_IsBoundedByTheStack()
    {
        // Billion laughs: DUP and GET multiply references; the stack bound stops it.
        var writer = new PickleWriter().Proto(2).EmptyList().Put(0);
        for (var i = 0; i < 3000; i++)
        {
            writer.Get(0);
        }

        var report = PickleFileScanner.ScanBytes(writer.Stop().ToArray(), PickleScanLimits.Default with { MaxStack = 1000 });

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
    }

    [Fact]
    public void Scan_RawPickleOverTheCap_IsUnscannable()
    {
        var report = PickleFileScanner.ScanBytes(PickleBypasses.BenignRaw(), PickleScanLimits.Default with { MaxPickleBytes = 16 });

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
    }

    [Theory]
    [InlineData((ushort)0x0841)]
    [InlineData((ushort)0x0828)]
    [InlineData((ushort)0x0848)]
    public void Scan_ZipFlagBits_AreDangerous(ushort flags)
    {
        var entries = TorchFiles.ZipEntries(TorchFiles.StateDictPickle(TorchFiles.SmallModel), TorchFiles.SmallModel);
        entries[0] = entries[0] with { Flags = flags };

        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip(entries));

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipFlags);
        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
    }

    [Fact]
    public void Scan_ZipCrcMismatch_IsSuspiciousAndReported()
    {
        var entries = TorchFiles.ZipEntries(TorchFiles.StateDictPickle(TorchFiles.SmallModel), TorchFiles.SmallModel);
        entries[0] = entries[0] with { CentralCrc = 0x12345678 };

        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip(entries));

        Assert.Equal(PickleVerdict.Suspicious, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipCrc && f.Detail.Contains("0x12345678", StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_DeflatedDataPkl_IsUnscannable()
    {
        var entries = TorchFiles.ZipEntries(TorchFiles.StateDictPickle(TorchFiles.SmallModel), TorchFiles.SmallModel);
        entries[0] = entries[0] with { Method = 8 };

        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip(entries));

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipMethod);
    }

    [Theory]
    [InlineData("archive/../evil.pkl", PickleRules.ZipUnsafePath, PickleVerdict.Dangerous)]
    [InlineData("other/data/9", PickleRules.ZipStructure, PickleVerdict.Dangerous)]
    [InlineData("archive/notes.txt", PickleRules.ZipEntryName, PickleVerdict.Suspicious)]
    public void Scan_ZipEntryNames_AreJudged(string name, string rule, PickleVerdict verdict)
    {
        var entries = TorchFiles.ZipEntries(TorchFiles.StateDictPickle(TorchFiles.SmallModel), TorchFiles.SmallModel);
        entries.Add(new ZipEntrySpec(name, [1, 2, 3]));

        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip(entries));

        Assert.Contains(report.Findings, f => f.Rule == rule);
        Assert.Equal(verdict, report.Verdict);
    }

    [Fact]
    public void Scan_ZipWithoutDataPkl_IsDangerous()
    {
        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip([new ZipEntrySpec("archive/version", "3\n"u8.ToArray())]));

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipDataPkl);
    }

    [Fact]
    public void Scan_TruncatedZip_IsDangerous()
    {
        var file = PickleBypasses.BenignZip();

        var report = PickleFileScanner.ScanBytes(file[..^40]);

        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipStructure);
    }

    [Fact]
    public void Scan_LegacyWithPayloadObject_IsDangerous()
    {
        var file = TorchFiles.Legacy(objectPickle: new PickleWriter().Proto(2).Global("os", "system").Unicode("x").Tuple1().Reduce().Stop().ToArray());

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Contains(new PickleFinding(PickleRules.GlobalDenied, PickleVerdict.Dangerous, "os.system"), report.Findings);
    }

    [Fact]
    public void Scan_LegacyWithMissingStorageKey_IsDangerous()
    {
        var file = TorchFiles.Legacy(keysPickle: new PickleWriter().Proto(2).EmptyList().Stop().ToArray());

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.LegacyKeys);
    }

    [Fact]
    public void Scan_MagicNumberComputedByACall_IsScannedAsPickles()
    {
        // picklescan's pytorch_magic_bypass: the "magic" pickle is itself a call; torch.load runs it before checking.
        var file = new PickleWriter().Proto(2).Global("os", "system").Unicode("x").Tuple1().Reduce().Stop().ToArray();

        var report = PickleFileScanner.ScanBytes([.. file, .. TorchFiles.Legacy()[15..]]);

        Assert.Contains(new PickleFinding(PickleRules.GlobalDenied, PickleVerdict.Dangerous, "os.system"), report.Findings);
    }

    [Theory]
    [InlineData("tar")]
    [InlineData("gzip")]
    public void Scan_OtherArchives_AreUnscannable(string kind)
    {
        var file = kind == "gzip" ? [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, .. new byte[32]] : Tar();

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.Equal(kind, report.Container);
    }

    [Fact]
    public void Scan_ManyGlobals_StopsAtTheBound()
    {
        var writer = new PickleWriter().Proto(2).EmptyList();
        for (var i = 0; i < 50; i++)
        {
            writer.Global("m" + i, "n").Append();
        }

        var report = PickleFileScanner.ScanBytes(writer.Stop().ToArray(), PickleScanLimits.Default with { MaxGlobals = 20 });

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.True(report.Findings.Count <= PickleScanReport.MaxFindings);
    }

    [Fact]
    public void Scan_MalformedGlobalName_IsDangerous()
    {
        var report = Scan(new PickleWriter().Proto(2).Global("os system", "x").Stop());

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.GlobalMalformed && f.Detail.StartsWith("a global with a malformed name \"os system.x\"", StringComparison.Ordinal));
        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
    }

    [Fact]
    public void Scan_BytesAfterStopInDataPkl_AreSuspicious()
    {
        byte[] pkl = [.. TorchFiles.StateDictPickle(TorchFiles.SmallModel), .. "junk"u8];

        var report = PickleFileScanner.ScanBytes(TorchFiles.WriteZip(TorchFiles.ZipEntries(pkl, TorchFiles.SmallModel)));

        Assert.Equal(PickleVerdict.Suspicious, report.Verdict);
        Assert.Contains(new PickleFinding(PickleRules.TrailingBytes, PickleVerdict.Suspicious, "4 bytes after the pickle's STOP in archive/data.pkl"), report.Findings);
    }

    [Theory]
    [InlineData("marks")]
    [InlineData("memo")]
    [InlineData("string")]
    [InlineData("long")]
    public void Scan_OverABound_IsUnscannable(string bound)
    {
        var writer = new PickleWriter().Proto(2);
        var limits = PickleScanLimits.Default;
        switch (bound)
        {
            case "marks":
                for (var i = 0; i < 20; i++)
                {
                    writer.Mark();
                }
                limits = limits with { MaxMarks = 10 };
                break;
            case "memo":
                writer.None();
                for (var i = 0; i < 20; i++)
                {
                    writer.Put(i);
                }
                limits = limits with { MaxMemo = 10 };
                break;
            case "string":
                writer.Unicode(new string('a', 5000));
                limits = limits with { MaxStringBytes = 4096 };
                break;
            default:
                writer.Op(0x8A).Op(100).Raw(new byte[100]);
                break;
        }

        var report = PickleFileScanner.ScanBytes(writer.Stop().ToArray(), limits);

        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.Limit);
    }

    [Fact]
    public void Scan_ZipOfUnknownSize_IsUnscannable()
    {
        var file = PickleBypasses.BenignZip();

        var step = PickleFileScanner.Scan(new PickleFileView(file[..200], TotalLength: null));

        var report = Assert.IsType<PickleScanDone>(step).Report;
        Assert.Equal(PickleVerdict.Unscannable, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule == PickleRules.ZipUnread);
    }

    [Fact]
    public void Scan_LegacyHeaderPickleWithAGlobal_IsDangerous()
    {
        var legacy = TorchFiles.Legacy();
        var versionPickle = new PickleWriter().Proto(2).Number(1001).Stop().ToArray();
        byte[] file = [.. legacy[..15], .. new PickleWriter().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().Stop().ToArray(),
            .. legacy[(15 + versionPickle.Length)..]];

        var report = PickleFileScanner.ScanBytes(file);

        Assert.Contains(report.Findings, f => f.Rule == PickleRules.LegacyHeader);
        Assert.Equal(PickleVerdict.Dangerous, report.Verdict);
    }

    [Fact]
    public void Fixtures_ArePicklesByCPythonsOwnDisassembler()
    {
        // Debian's python3 pickletools: an independent reader agrees each valid fixture is a well-formed pickle.
        var pickles = new Dictionary<string, byte[]>
        {
            ["state-dict"] = TorchFiles.StateDictPickle(TorchFiles.SmallModel),
            ["legacy-state-dict"] = TorchFiles.StateDictPickle(TorchFiles.SmallModel, legacy: true),
            ["raw"] = PickleBypasses.BenignRaw(),
            ["numpy"] = PickleBypasses.NumpyExtension(),
        };
        // pickletools refuses a memo key written twice, which the unpickler allows: that one is checked by CPython's unpickler below.
        foreach (var fixture in PickleBypasses.All.Where(f => f.FileName.EndsWith(".pkl", StringComparison.Ordinal) && f.Id != "memo-stack-global"))
        {
            pickles[fixture.Id] = fixture.Bytes;
        }
        foreach (var (id, bytes) in pickles)
        {
            var (exitCode, output) = RunPickletools(bytes);
            Assert.True(exitCode == 0, $"{id}: {output}");
            Assert.Contains("STOP", output, StringComparison.Ordinal);
        }
        var (brokenExit, _) = RunPickletools(new PickleWriter().Proto(2).Global("evil_module", "run").Op(0xFF).ToArray());
        Assert.NotEqual(0, brokenExit);
    }

    [Fact]
    public void MemoFixture_ResolvesToOsSystemInCPythonsUnpickler()
    {
        // find_class names the global CPython's own unpickler would import, then refuses it: nothing is imported.
        const string Script = "import pickle,sys,io\n" +
            "class U(pickle.Unpickler):\n" +
            "    def find_class(self, m, n):\n" +
            "        print(m + '.' + n); sys.exit(0)\n" +
            "U(io.BytesIO(sys.stdin.buffer.read())).load()\n";

        var (exitCode, output) = RunPython(Script, PickleBypasses.Get("memo-stack-global").Bytes);

        Assert.Equal(0, exitCode);
        Assert.Equal("os.system", output.Trim());
    }

    private static (int ExitCode, string Output) RunPickletools(byte[] pickle) =>
        RunPython("import pickletools,sys; pickletools.dis(sys.stdin.buffer.read())", pickle);

    private static (int ExitCode, string Output) RunPython(string script, byte[] pickle)
    {
        var start = new ProcessStartInfo("python3", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.BaseStream.Write(pickle);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private static byte[] Tar()
    {
        var block = new byte[1024];
        "model/data.pkl"u8.CopyTo(block);
        "ustar\0"u8.CopyTo(block.AsSpan(257));
        return block;
    }

    private static PickleScanReport Scan(PickleWriter writer) => PickleFileScanner.ScanBytes(writer.ToArray());

    /// <summary>Drives the scan as a lookup does: a head, then the head and tail ranges each step asks for.</summary>
    internal static PickleScanReport ScanByRanges(byte[] file, int headBytes)
    {
        var view = new PickleFileView(file[..Math.Min(headBytes, file.Length)], file.Length);
        for (var step = 0; step < 8; step++)
        {
            switch (PickleFileScanner.Scan(view))
            {
                case PickleScanDone done:
                    return done.Report;
                case PickleScanNeeds needs:
                    var head = (int)Math.Min(Math.Max(needs.HeadBytes, view.Head.Length), file.Length);
                    var tail = (int)Math.Min(needs.TailBytes, file.Length);
                    view = new PickleFileView(file[..head], file.Length, tail > 0 ? file[^tail..] : null);
                    break;
            }
        }
        throw new InvalidOperationException("the scan kept asking for more bytes");
    }
}
