using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using ModelGateway.Callers;
using ModelGateway.Telemetry;

namespace ModelGateway.UnitTests.Callers;

public sealed class CallerTests
{
    [Fact]
    public void Resolve_KeyWithProfileAndOwnLimit_OneObjectForEveryReader()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "team-a"), new Claim("gateway:policy", "strict"), new Claim("gateway:permit_limit", "120")], "ApiKey"));

        var caller = Caller.Resolve(user, IPAddress.Loopback, 60);

        Assert.Equal(new Caller("team-a", "strict", "key:team-a", 120), caller);
        Assert.Equal(("team-a", new AuditCaller("team-a", "strict"), false), (caller.Name, caller.Audit, caller.IsClientAddress));
    }

    [Fact]
    public void Resolve_NoKey_AnonymousCountedByAddress()
    {
        var caller = Caller.Resolve(new ClaimsPrincipal(new ClaimsIdentity()), IPAddress.Parse("::ffff:192.0.2.7"), 60);

        Assert.Equal(new Caller(null, null, "ip:192.0.2.7", 60), caller);
        Assert.Equal(("anonymous", AuditCaller.Anonymous, true), (caller.Name, caller.Audit, caller.IsClientAddress));
    }

    [Fact]
    public void GetCaller_AuthenticationNeverRan_Throws()
    {
        var context = new DefaultHttpContext();

        Assert.Throws<InvalidOperationException>(() => context.GetCaller());
        context.SetCaller(new Caller("team-a", null, "key:team-a", 60));
        Assert.Equal("team-a", context.GetCaller().KeyName);
    }
}
