using System.Buffers;
using System.Text.Json;
using ModelGateway.Policies;

namespace ModelGateway.Sniffing;

internal static partial class SafeTensorSniffer
{
    /// <summary>What the tensor names say about the model kind, kept as flags (no name is stored).</summary>
    private struct TensorNames
    {
        private int _count;
        private bool _lora;
        private bool _embedding;
        private bool _diffusionModel;
        private bool _allVae;
        private bool _decoder;

        public void Add(ref Utf8JsonReader reader)
        {
            Span<byte> buffer = stackalloc byte[256];
            var name = reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length
                ? buffer[..Copy(ref reader, buffer)]
                : reader.ValueSpan;
            _allVae = (_count == 0 || _allVae) && ModelFolderGuess.IsVaeTensor(name);
            _count++;
            _lora |= ModelFolderGuess.IsLoraTensor(name);
            _embedding |= ModelFolderGuess.IsEmbeddingTensor(name);
            _diffusionModel |= name.StartsWith("model.diffusion_model."u8);
            _decoder |= name.StartsWith("decoder."u8);
        }

        public readonly string? Folder() =>
            _lora ? ModelFolders.Loras
            : _diffusionModel ? ModelFolders.Checkpoints
            : _count > 0 && _allVae && _decoder ? ModelFolders.Vae // a decoder: T5 encoders also have "encoder." keys
            : _embedding ? ModelFolders.Embeddings
            : null;

        // A name longer than the buffer is only ever compared by its prefix, so a truncated copy is enough.
        private static int Copy(ref Utf8JsonReader reader, scoped Span<byte> buffer)
        {
            if (!reader.ValueIsEscaped)
            {
                reader.ValueSpan[..buffer.Length].CopyTo(buffer);
                return buffer.Length;
            }
            if (reader.ValueSpan.Length <= buffer.Length)
            {
                return reader.CopyString(buffer); // unescaped, it is no longer than escaped
            }
            if (reader.ValueSpan.Length > 6 * buffer.Length)
            {
                // Too long for any escaping of a buffer-long prefix (at most 6 bytes per character): no real tensor
                // name, and unescaping has no bounded form, so the raw prefix stands for it rather than a whole copy.
                reader.ValueSpan[..buffer.Length].CopyTo(buffer);
                return buffer.Length;
            }
            var unescaped = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
            try
            {
                var length = Math.Min(reader.CopyString(unescaped), buffer.Length);
                unescaped.AsSpan(0, length).CopyTo(buffer);
                return length;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(unescaped);
            }
        }
    }
}
