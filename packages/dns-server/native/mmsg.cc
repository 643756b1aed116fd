// Batched UDP for the DNS server: one recvmmsg() hands JavaScript a batch of
// queries, one sendmmsg() sends the batch of answers. Node's dgram makes one
// recvmsg and one sendmsg per packet (plus a libuv callback and a JS call
// each); under load the profile is dominated by those per-packet syscalls.
//
// The addon knows nothing about DNS: JavaScript (dns-wire's answer plane)
// reads the queries from `in`, writes each answer into its slot of `out` and
// sets its length (0 = no answer). Linux only (recvmmsg/sendmmsg).
#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kInSlot = 4096;  // largest query read; longer ones arrive truncated and are dropped
constexpr int kMaxRoundsPerWakeup = 16;  // then yield to the event loop (timers, TCP, IPC)

class BatchSocket : public Napi::ObjectWrap<BatchSocket> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "BatchSocket",
                       {InstanceMethod("start", &BatchSocket::Start), InstanceMethod("close", &BatchSocket::Close),
                        InstanceMethod("port", &BatchSocket::Port), InstanceMethod("stats", &BatchSocket::Stats)});
  }

  // new BatchSocket(host, port, reusePort, batch, outSlot, bufferBytes)
  explicit BatchSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BatchSocket>(info) {
    Napi::Env env = info.Env();
    std::string host = info[0].As<Napi::String>();
    int port = info[1].As<Napi::Number>().Int32Value();
    bool reuse = info[2].As<Napi::Boolean>();
    batch_ = info[3].As<Napi::Number>().Uint32Value();
    out_slot_ = info[4].As<Napi::Number>().Uint32Value();
    int buf_bytes = info[5].As<Napi::Number>().Int32Value();
    if (batch_ < 1 || batch_ > 1024 || out_slot_ < 512 || out_slot_ > 65535) {
      Napi::RangeError::New(env, "batch must be 1..1024 and outSlot 512..65535").ThrowAsJavaScriptException();
      return;
    }
    sockaddr_storage ss{};
    socklen_t sl = 0;
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, host.c_str(), &s4->sin_addr) == 1) {
      s4->sin_family = AF_INET;
      s4->sin_port = htons(port);
      sl = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &s6->sin6_addr) == 1) {
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(port);
      sl = sizeof(sockaddr_in6);
    } else {
      Napi::TypeError::New(env, "host must be an IP literal").ThrowAsJavaScriptException();
      return;
    }
    family_ = ss.ss_family;
    fd_ = socket(family_, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) { ThrowErrno(env, "socket"); return; }
    int one = 1;
    if (reuse && setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) { ThrowErrno(env, "SO_REUSEPORT"); return; }
    if (buf_bytes > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf_bytes, sizeof buf_bytes);
      setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buf_bytes, sizeof buf_bytes);
    }
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), sl) != 0) { ThrowErrno(env, "bind"); return; }

    addrs_.assign(batch_, sockaddr_storage{});
    in_iov_.resize(batch_);
    out_iov_.resize(batch_);
    in_msg_.resize(batch_);
    out_msg_.resize(batch_);
    // Buffers are JavaScript ArrayBuffers (their backing stores never move), shared with JS:
    // queries in, answers out, and per-slot metadata: meta[i*4] = query length (0 = truncated, skip),
    // [i*4+1] = address family (4/6), [i*4+2] = answer length (JS sets; 0 = no answer), [i*4+3] = source port.
    // addr: 16 bytes per slot (IPv4 in the first 4).
    in_ab_ = Napi::Persistent(Napi::ArrayBuffer::New(env, static_cast<size_t>(batch_) * kInSlot));
    out_ab_ = Napi::Persistent(Napi::ArrayBuffer::New(env, static_cast<size_t>(batch_) * out_slot_));
    meta_ab_ = Napi::Persistent(Napi::ArrayBuffer::New(env, static_cast<size_t>(batch_) * 4 * sizeof(int32_t)));
    addr_ab_ = Napi::Persistent(Napi::ArrayBuffer::New(env, static_cast<size_t>(batch_) * 16));
    auto* in = static_cast<uint8_t*>(in_ab_.Value().Data());
    for (uint32_t i = 0; i < batch_; i++) {
      in_iov_[i] = {in + static_cast<size_t>(i) * kInSlot, kInSlot};
      in_msg_[i].msg_hdr.msg_iov = &in_iov_[i];
      in_msg_[i].msg_hdr.msg_iovlen = 1;
    }
    Napi::Object self = info.This().As<Napi::Object>();
    self.Set("in", in_ab_.Value());
    self.Set("out", out_ab_.Value());
    self.Set("meta", meta_ab_.Value());
    self.Set("addr", addr_ab_.Value());
  }

  ~BatchSocket() override {
    if (fd_ >= 0 && !polling_) ::close(fd_);
  }

 private:
  void ThrowErrno(Napi::Env env, const char* what) {
    int e = errno;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    Napi::Error err = Napi::Error::New(env, std::string(what) + ": " + strerror(e));
    err.Set("code", Napi::String::New(env, e == EADDRINUSE ? "EADDRINUSE" : e == EACCES ? "EACCES" : "E_NATIVE"));
    err.ThrowAsJavaScriptException();
  }

  // start(onBatch): onBatch(n) is called with n queries in the shared buffers.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0 || polling_) {
      Napi::Error::New(env, "socket closed or already started").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    on_batch_ = Napi::Persistent(info[0].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "edgesteer:udp-batch");
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    if (uv_poll_init(loop, poll_, fd_) != 0) {
      delete poll_;
      poll_ = nullptr;
      Napi::Error::New(env, "uv_poll_init failed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uv_poll_start(poll_, UV_READABLE, OnReadable);
    polling_ = true;
    Ref();  // alive while polling
    return env.Undefined();
  }

  static void OnReadable(uv_poll_t* h, int status, int events) {
    auto* self = static_cast<BatchSocket*>(h->data);
    if (status < 0 || !(events & UV_READABLE)) return;
    self->Drain();
  }

  void Drain() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    auto* meta = static_cast<int32_t*>(meta_ab_.Value().Data());
    auto* addr = static_cast<uint8_t*>(addr_ab_.Value().Data());
    auto* out = static_cast<uint8_t*>(out_ab_.Value().Data());
    for (int round = 0; round < kMaxRoundsPerWakeup && polling_; round++) {
      for (uint32_t i = 0; i < batch_; i++) {
        in_msg_[i].msg_hdr.msg_name = &addrs_[i];
        in_msg_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        in_msg_[i].msg_hdr.msg_flags = 0;
      }
      int n = recvmmsg(fd_, in_msg_.data(), batch_, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;  // EAGAIN: drained
      received_ += n;
      for (int i = 0; i < n; i++) {
        int32_t* m = meta + i * 4;
        bool trunc = (in_msg_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        m[0] = trunc ? 0 : static_cast<int32_t>(in_msg_[i].msg_len);
        m[2] = 0;
        const sockaddr_storage& a = addrs_[i];
        uint8_t* ab = addr + i * 16;
        if (a.ss_family == AF_INET) {
          m[1] = 4;
          memcpy(ab, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, 4);
          m[3] = ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
        } else {
          m[1] = 6;
          memcpy(ab, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, 16);
          m[3] = ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
        }
      }
      on_batch_.MakeCallback(Value(), {Napi::Number::New(env, n)}, *ctx_);
      if (env.IsExceptionPending()) return;
      if (!polling_) return;  // closed from the callback
      int k = 0;
      for (int i = 0; i < n; i++) {
        int32_t len = meta[i * 4 + 2];
        if (len <= 0 || static_cast<uint32_t>(len) > out_slot_ || meta[i * 4 + 3] == 0) continue;
        out_iov_[k] = {out + static_cast<size_t>(i) * out_slot_, static_cast<size_t>(len)};
        out_msg_[k].msg_hdr = {};
        out_msg_[k].msg_hdr.msg_name = &addrs_[i];
        out_msg_[k].msg_hdr.msg_namelen = addrs_[i].ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        out_msg_[k].msg_hdr.msg_iov = &out_iov_[k];
        out_msg_[k].msg_hdr.msg_iovlen = 1;
        k++;
      }
      int sent = 0;
      while (sent < k) {
        int r = sendmmsg(fd_, out_msg_.data() + sent, k - sent, MSG_DONTWAIT);
        if (r > 0) {
          sent += r;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        // A full send buffer or an error for this one destination: drop it (UDP), go on with the rest.
        send_errors_++;
        sent++;
      }
      sent_ += k;
      if (static_cast<uint32_t>(n) < batch_) return;  // the queue is likely empty
    }
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (polling_) {
      polling_ = false;
      uv_poll_stop(poll_);
      int fd = fd_;
      fd_ = -1;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
      ::close(fd);
      on_batch_.Reset();
      Unref();
    } else if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return info.Env().Undefined();
  }

  Napi::Value Port(const Napi::CallbackInfo& info) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) return Napi::Number::New(info.Env(), -1);
    int p = ss.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port) : ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port);
    return Napi::Number::New(info.Env(), p);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("received", Napi::Number::New(info.Env(), static_cast<double>(received_)));
    o.Set("sent", Napi::Number::New(info.Env(), static_cast<double>(sent_)));
    o.Set("sendErrors", Napi::Number::New(info.Env(), static_cast<double>(send_errors_)));
    return o;
  }

  int fd_ = -1;
  int family_ = AF_INET;
  uint32_t batch_ = 64;
  uint32_t out_slot_ = 1232;
  bool polling_ = false;
  uv_poll_t* poll_ = nullptr;
  std::vector<sockaddr_storage> addrs_;
  std::vector<iovec> in_iov_, out_iov_;
  std::vector<mmsghdr> in_msg_, out_msg_;
  Napi::Reference<Napi::ArrayBuffer> in_ab_, out_ab_, meta_ab_, addr_ab_;
  Napi::FunctionReference on_batch_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
  uint64_t received_ = 0, sent_ = 0, send_errors_ = 0;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("BatchSocket", BatchSocket::Init(env));
  exports.Set("abi", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(edgesteer_mmsg, Init)
