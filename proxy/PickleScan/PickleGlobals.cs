using System.Collections.Frozen;

namespace ModelGateway.PickleScan;

/// <summary>How the scan classes one global (module and name as the unpickler would look them up).</summary>
internal enum GlobalClass
{
    /// <summary>PyTorch's <c>weights_only</c> set: what <c>torch.save</c> of tensors and state dicts writes.</summary>
    Allowed,

    /// <summary>What real SD checkpoints also use (numpy, ParameterDict, Lightning): allowed only where policy opts in.</summary>
    Extension,

    /// <summary>On no list: not vouched for.</summary>
    Unknown,

    /// <summary>Never allowed, whatever a policy says: reaches code execution, files, the network or the interpreter.</summary>
    Denied,
}

/// <summary>
/// The global lists. The allow-list follows PyTorch's <c>torch/_weights_only_unpickler.py</c> (<c>_get_allowed_globals</c>);
/// the extension set AUTOMATIC1111's <c>modules/safe.py</c>; the never-allowed list PyTorch's blocked modules plus the
/// gadgets scanner bypasses used (picklescan/modelscan advisories 2024–2026). Names are matched exactly: a module on
/// the never-allowed list denies its submodules too.
/// </summary>
internal static class PickleGlobals
{
    private static readonly string[] DtypeNames =
    [
        "float32", "float64", "float16", "bfloat16", "complex32", "complex64", "complex128", "uint8", "uint16", "uint32",
        "uint64", "int8", "int16", "int32", "int64", "bool", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
        "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
        "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
        "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7", "int1", "int2", "int3", "int4", "int5", "int6", "int7",
    ];

    /// <summary>Legacy typed storages and the bytes each element takes (for the storage-size rule).</summary>
    public static readonly FrozenDictionary<string, int> StorageElementSizes = new Dictionary<string, int>
    {
        ["torch.DoubleStorage"] = 8, ["torch.FloatStorage"] = 4, ["torch.HalfStorage"] = 2, ["torch.BFloat16Storage"] = 2,
        ["torch.LongStorage"] = 8, ["torch.IntStorage"] = 4, ["torch.ShortStorage"] = 2, ["torch.CharStorage"] = 1,
        ["torch.ByteStorage"] = 1, ["torch.BoolStorage"] = 1, ["torch.ComplexFloatStorage"] = 8,
        ["torch.ComplexDoubleStorage"] = 16, ["torch.QUInt8Storage"] = 1, ["torch.QInt8Storage"] = 1,
        ["torch.QInt32Storage"] = 4, ["torch.QUInt4x2Storage"] = 1, ["torch.QUInt2x4Storage"] = 1,
        ["torch.storage.UntypedStorage"] = 1, ["torch.UntypedStorage"] = 1,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string[] TensorClasses =
        ["DoubleTensor", "FloatTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"];

    private static readonly FrozenSet<string> AllowedSet = BuildAllowed().ToFrozenSet(StringComparer.Ordinal);

    private static IEnumerable<string> BuildAllowed()
    {
        string[] fixedNames =
        [
            "collections.OrderedDict", "collections.Counter", "torch.nn.parameter.Parameter", "torch.serialization._get_layout",
            "torch.Size", "torch.Tensor", "torch.device", "_codecs.encode", "builtins.bytearray", "builtins.set", "builtins.complex",
            "torch.storage.TypedStorage", "torch.storage.UntypedStorage",
            "torch.per_tensor_affine", "torch.per_channel_affine", "torch.per_tensor_symmetric", "torch.per_channel_symmetric",
            "torch.per_channel_affine_float_qparams",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch._utils._rebuild_qtensor",
            "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
            "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_meta_tensor_no_storage",
            "torch._utils._rebuild_wrapper_subclass", "torch._utils._rebuild_device_tensor_from_numpy",
            "torch._utils._rebuild_device_tensor_from_cpu_tensor", "torch._tensor._rebuild_from_type_v2",
        ];
        return fixedNames
            .Concat(DtypeNames.Select(d => "torch." + d))
            .Concat(StorageElementSizes.Keys)
            .Concat(TensorClasses.Select(t => "torch." + t))
            .Concat(TensorClasses.Select(t => "torch.cuda." + t));
    }

    private static readonly FrozenSet<string> ExtensionSet = new[]
    {
        "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray.scalar",
        "numpy._core.multiarray._reconstruct", "numpy.dtype", "numpy.ndarray",
        "numpy.dtypes.Float32DType", "numpy.dtypes.Float64DType", "numpy.dtypes.Float16DType", "numpy.dtypes.Int64DType",
        "numpy.dtypes.Int32DType", "numpy.dtypes.UInt8DType", "numpy.dtypes.BoolDType",
        "torch.nn.modules.container.ParameterDict",
        "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Whole modules (and their submodules) that are never allowed.
    private static readonly FrozenSet<string> DeniedModules = new[]
    {
        "os", "posix", "nt", "sys", "subprocess", "importlib", "pkgutil", "marshal", "types", "pickle", "_pickle",
        "cPickle", "copyreg", "copy_reg", "runpy", "operator", "_operator", "functools", "_functools", "ctypes", "_ctypes",
        "socket", "_socket", "pip", "_pip", "venv", "ensurepip", "shutil", "pty", "code", "codeop", "pdb", "bdb", "profile",
        "cProfile", "trace", "timeit", "webbrowser", "http", "urllib", "urllib2", "httplib", "requests", "aiohttp", "ssl",
        "asyncio", "multiprocessing", "threading", "_thread", "signal", "tempfile", "glob", "io", "_io",
        "uuid", "imaplib", "smtplib", "ftplib", "poplib", "telnetlib", "nntplib", "xmlrpc", "logging", "_pyrepl", "idlelib",
        "_osx_support", "_aix_support", "pydoc", "zipimport", "distutils", "setuptools", "cloudpickle", "dill", "joblib",
        "torch.jit", "torch._dynamo", "torch._inductor", "torch.hub", "torch.utils.cpp_extension", "torch.ops",
        "torch._ops", "torch.package", "torch.fx", "torch.serialization.load", "numpy.testing", "numpy.f2py",
        "numpy.distutils", "numpy.ctypeslib", "numpy.lib.format", "numpy.load", "commands", "popen2", "platform",
        "sysconfig", "site", "gc", "inspect", "ast", "dis", "compileall", "py_compile", "atexit", "mmap", "resource",
        "fcntl", "select", "selectors", "socketserver", "wsgiref", "_posixsubprocess", "_winapi", "msvcrt", "winreg",
        "__main__", "_sqlite3", "sqlite3", "dbm", "shelve", "bz2", "lzma", "gzip", "zipfile", "tarfile", "zlib",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Single names of builtins that run code or reach objects' insides.
    private static readonly FrozenSet<string> DeniedBuiltins = new[]
    {
        "eval", "exec", "compile", "getattr", "setattr", "delattr", "__import__", "open", "breakpoint", "apply", "input",
        "globals", "locals", "vars", "execfile", "reload", "memoryview", "help", "exit", "quit", "super", "type",
        "object", "classmethod", "staticmethod", "property", "print", "dir", "hasattr", "callable", "map", "filter",
        "iter", "next",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// <c>_compat_pickle</c>'s renames, applied as CPython does when the pickle's protocol is below 3 (the modules and
    /// names a Python 2 pickle spells differently). The most used part of the table; any other old name stays unknown.
    /// </summary>
    private static readonly FrozenDictionary<string, string> ModuleRenames = new Dictionary<string, string>
    {
        ["__builtin__"] = "builtins", ["copy_reg"] = "copyreg", ["Queue"] = "queue", ["SocketServer"] = "socketserver",
        ["ConfigParser"] = "configparser", ["repr"] = "reprlib", ["tkFileDialog"] = "tkinter.filedialog",
        ["cPickle"] = "pickle", ["_elementtree"] = "xml.etree.ElementTree", ["FileDialog"] = "tkinter.filedialog",
        ["UserDict"] = "collections", ["UserList"] = "collections", ["UserString"] = "collections", ["whichdb"] = "dbm",
        ["StringIO"] = "io", ["cStringIO"] = "io", ["thread"] = "_thread", ["dummy_thread"] = "_dummy_thread",
        ["httplib"] = "http.client", ["urllib2"] = "urllib.request", ["urlparse"] = "urllib.parse",
        ["commands"] = "subprocess", ["exceptions"] = "builtins", ["sets"] = "builtins",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<(string, string), (string, string)> NameRenames =
        new Dictionary<(string, string), (string, string)>
        {
            [("__builtin__", "xrange")] = ("builtins", "range"), [("__builtin__", "reduce")] = ("functools", "reduce"),
            [("__builtin__", "intern")] = ("sys", "intern"), [("__builtin__", "unichr")] = ("builtins", "chr"),
            [("__builtin__", "unicode")] = ("builtins", "str"), [("__builtin__", "long")] = ("builtins", "int"),
            [("__builtin__", "basestring")] = ("builtins", "str"), [("__builtin__", "raw_input")] = ("builtins", "input"),
            [("itertools", "izip")] = ("builtins", "zip"), [("itertools", "imap")] = ("builtins", "map"),
            [("itertools", "ifilter")] = ("builtins", "filter"), [("UserDict", "UserDict")] = ("collections", "UserDict"),
            [("UserList", "UserList")] = ("collections", "UserList"), [("sets", "Set")] = ("builtins", "set"),
            [("sets", "ImmutableSet")] = ("builtins", "frozenset"), [("copy_reg", "_reconstructor")] = ("copyreg", "_reconstructor"),
            [("__builtin__", "execfile")] = ("builtins", "exec"),
        }.ToFrozenDictionary();

    /// <summary>The module and name the unpickler would look up: renamed as CPython does below protocol 3.</summary>
    public static (string Module, string Name) Canonical(string module, string name, int protocol)
    {
        if (protocol >= 3)
        {
            return (module, name);
        }
        if (NameRenames.TryGetValue((module, name), out var renamed))
        {
            return renamed;
        }
        return ModuleRenames.TryGetValue(module, out var newModule) ? (newModule, name) : (module, name);
    }

    /// <summary>
    /// Classes <paramref name="module"/>.<paramref name="name"/> (already canonical). A dotted name is allowed only
    /// when the exact whole name is on a list; otherwise it is judged by the denied lists, else unknown (the caller
    /// reports dotted names on their own).
    /// </summary>
    public static GlobalClass Classify(string module, string name)
    {
        var full = module + "." + name;
        if (IsDenied(module, name))
        {
            return GlobalClass.Denied;
        }
        if (AllowedSet.Contains(full))
        {
            return GlobalClass.Allowed;
        }
        return ExtensionSet.Contains(full) ? GlobalClass.Extension : GlobalClass.Unknown;
    }

    public static bool IsDenied(string module, string name)
    {
        if (module is "builtins" or "__builtin__")
        {
            var first = name.Split('.')[0];
            return DeniedBuiltins.Contains(first) || first.StartsWith("__", StringComparison.Ordinal);
        }
        // The module, any parent of it, or the module plus (a prefix of) the name: torch.serialization.load, os.path.join.
        var parts = (module + "." + name).Split('.');
        var prefix = parts[0];
        for (var i = 0; ; i++)
        {
            if (DeniedModules.Contains(prefix))
            {
                return true;
            }
            if (i + 1 >= parts.Length)
            {
                break;
            }
            prefix += "." + parts[i + 1];
        }
        return false;
    }

    /// <summary>The storage's element size when <paramref name="fullName"/> is a storage class.</summary>
    public static int? ElementSize(string fullName) => StorageElementSizes.TryGetValue(fullName, out var size) ? size : null;

    public static bool IsSetItemClass(string fullName) => fullName is "collections.OrderedDict" or "collections.Counter";

    /// <summary>Classes whose instances BUILD may set state on (PyTorch: Tensor, Parameter, OrderedDict, allowed types).</summary>
    public static bool IsBuildTarget(string fullName, GlobalClass cls) =>
        cls is GlobalClass.Allowed or GlobalClass.Extension;
}
