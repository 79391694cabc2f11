using System.Buffers;
using System.Text;
using ModelGateway.ForwardProxy;

namespace ModelGateway.UnitTests.ForwardProxy;

public sealed class ConnectRequestTests
{
    [Theory]
    [InlineData("", "Undecided")]
    [InlineData("CONN", "Undecided")]
    [InlineData("CONNECT ", "Connect")]
    [InlineData("CONNECT civitai.com:443", "Connect")]
    [InlineData("GET http://civitai.com/ HTTP/1.1", "Other")]
    [InlineData("CONX", "Other")]
    [InlineData("connect civitai.com:443", "Other")]
    public void Classify_FirstBytes(string start, string expected)
    {
        Assert.Equal(expected, ConnectRequest.Classify(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(start))).ToString());
    }

    [Fact]
    public void Parse_HostPortAndProxyAuthorization()
    {
        var head = Bytes("CONNECT Civitai.COM.:443 HTTP/1.1\r\nHost: civitai.com:443\r\nproxy-authorization:  Basic dXNlcjprZXk= \r\nUser-Agent: curl/7.88.1\r\n\r\n");

        Assert.Equal(new ConnectRequest("civitai.com", 443, "Basic dXNlcjprZXk="), ConnectRequest.Parse(head));
    }

    [Fact]
    public void Parse_TwoProxyAuthorizations_NeitherBelieved()
    {
        var head = Bytes("CONNECT civitai.com:443 HTTP/1.1\r\nProxy-Authorization: Bearer a\r\nProxy-Authorization: Bearer b\r\n\r\n");

        Assert.Equal(new ConnectRequest("civitai.com", 443, null), ConnectRequest.Parse(head));
    }

    [Theory]
    [InlineData("CONNECT civitai.com HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:0 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:65536 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:+443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT user:pw@civitai.com:443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443/path HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com%2F:443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT ::1:443 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443 HTTP/2\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443 HTTP/1.1\r\nBad Header: x\r\n\r\n")]
    [InlineData("CONNECT civitai.com:443 HTTP/1.1\r\nNoColon\r\n\r\n")]
    [InlineData("CONNECT exa_mple..com:443 HTTP/1.1\r\n\r\n")]
    public void Parse_Malformed_Null(string head)
    {
        Assert.Null(ConnectRequest.Parse(Bytes(head)));
    }

    [Theory]
    [InlineData("[::1]:8443", "::1", 8443)]
    [InlineData("10.0.0.1:443", "10.0.0.1", 443)]
    [InlineData("HF.co:443", "hf.co", 443)]
    public void ParseAuthority_Forms(string authority, string host, int port)
    {
        Assert.Equal((host, port), ConnectRequest.ParseAuthority(authority));
    }

    [Fact]
    public void EndOfHead_AfterTheBlankLine_NullBeforeItArrives()
    {
        Assert.Null(ConnectRequest.EndOfHead(Bytes("CONNECT a:1 HTTP/1.1\r\nHost: a\r\n")));
        var buffer = Bytes("CONNECT a:1 HTTP/1.1\r\n\r\n\x16\x03\x01");
        Assert.Equal(24, buffer.Slice(0, ConnectRequest.EndOfHead(buffer)!.Value).Length);
    }

    [Fact]
    public void Parse_HeadLargerThanTheBound_Null()
    {
        var head = Bytes("CONNECT a.com:443 HTTP/1.1\r\nX-Pad: " + new string('a', ConnectRequest.MaxHeadBytes) + "\r\n\r\n");

        Assert.Null(ConnectRequest.Parse(head));
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.Latin1.GetBytes(text));
}
