package hub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnvCacheDirPrecedence(t *testing.T) {
	home := "/home/ada"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, "/home/ada/.cache/huggingface/hub"},
		{"XDG_CACHE_HOME", map[string]string{"XDG_CACHE_HOME": "/xdg"}, "/xdg/huggingface/hub"},
		{"HF_HOME beats XDG", map[string]string{"XDG_CACHE_HOME": "/xdg", "HF_HOME": "/hf"}, "/hf/hub"},
		{"legacy HUGGINGFACE_HUB_CACHE beats HF_HOME", map[string]string{"HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy"}, "/legacy"},
		{"HF_HUB_CACHE beats all", map[string]string{"HF_HOME": "/hf", "XDG_CACHE_HOME": "/xdg", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "/cache"}, "/cache"},
		{"tilde in HF_HOME", map[string]string{"HF_HOME": "~/hf"}, "/home/ada/hf/hub"},
		{"variables in HF_HUB_CACHE", map[string]string{"HF_HUB_CACHE": "$SCRATCH/${USER}/hub", "SCRATCH": "/scratch", "USER": "ada"}, "/scratch/ada/hub"},
		{"unset variable left as written", map[string]string{"HF_HUB_CACHE": "/x/$NOPE/hub"}, "/x/$NOPE/hub"},
		{"empty HF_HOME is ignored", map[string]string{"HF_HOME": ""}, "/home/ada/.cache/huggingface/hub"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(envFrom(tc.env), home)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.CacheDir != filepath.FromSlash(tc.want) {
				t.Errorf("CacheDir = %q, want %q", cfg.CacheDir, tc.want)
			}
		})
	}
}

func TestConfigFromEnvTokenPrecedence(t *testing.T) {
	home := t.TempDir()
	write := func(p, s string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	defaultFile := write(filepath.Join(home, ".cache", "huggingface", "token"), "hf_fromDefaultFile\n")
	hfHome := filepath.Join(home, "hfhome")
	write(filepath.Join(hfHome, "token"), "  hf_fromHFHome\r\n")
	xdg := filepath.Join(home, "xdg")
	write(filepath.Join(xdg, "huggingface", "token"), "hf_fromXDG")
	custom := write(filepath.Join(home, "elsewhere", "tok"), "hf_fromTokenPath")
	write(filepath.Join(home, "empty", "token"), "\n")

	for _, tc := range []struct {
		name       string
		env        map[string]string
		want       string
		wantSource string
	}{
		{"default token file", nil, "hf_fromDefaultFile", "the token file " + defaultFile},
		{"XDG_CACHE_HOME moves the file", map[string]string{"XDG_CACHE_HOME": xdg}, "hf_fromXDG", ""},
		{"HF_HOME moves the file", map[string]string{"HF_HOME": hfHome, "XDG_CACHE_HOME": xdg}, "hf_fromHFHome", ""},
		{"HF_TOKEN_PATH beats HF_HOME", map[string]string{"HF_HOME": hfHome, "HF_TOKEN_PATH": custom}, "hf_fromTokenPath", ""},
		{"legacy HUGGING_FACE_HUB_TOKEN beats files", map[string]string{"HF_HOME": hfHome, "HUGGING_FACE_HUB_TOKEN": "hf_legacy"}, "hf_legacy", "HUGGING_FACE_HUB_TOKEN"},
		{"HF_TOKEN beats all", map[string]string{"HF_HOME": hfHome, "HUGGING_FACE_HUB_TOKEN": "hf_legacy", "HF_TOKEN": " hf_env \n"}, "hf_env", "HF_TOKEN"},
		{"blank HF_TOKEN falls through", map[string]string{"HF_TOKEN": "  ", "HF_HOME": hfHome}, "hf_fromHFHome", ""},
		{"no file, no token", map[string]string{"HF_HOME": filepath.Join(home, "none")}, "", ""},
		{"empty file, no token", map[string]string{"HF_HOME": filepath.Join(home, "empty")}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(envFrom(tc.env), home)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token.Reveal() != tc.want {
				t.Errorf("token = %q, want %q", cfg.Token.Reveal(), tc.want)
			}
			if tc.wantSource != "" && cfg.TokenSource != tc.wantSource {
				t.Errorf("TokenSource = %q, want %q", cfg.TokenSource, tc.wantSource)
			}
			if tc.want != "" && strings.Contains(fmtAll(cfg), tc.want) {
				t.Errorf("printing the Config shows the token: %s", fmtAll(cfg))
			}
		})
	}
}

func TestConfigFromEnvOfflineAndEndpoint(t *testing.T) {
	for _, tc := range []struct {
		env          map[string]string
		offline      bool
		wantEndpoint string
	}{
		{nil, false, "https://huggingface.co"},
		{map[string]string{"HF_HUB_OFFLINE": "1"}, true, DefaultEndpoint},
		{map[string]string{"HF_HUB_OFFLINE": "yes"}, true, DefaultEndpoint},
		{map[string]string{"HF_HUB_OFFLINE": "True"}, true, DefaultEndpoint},
		{map[string]string{"HF_HUB_OFFLINE": "0"}, false, DefaultEndpoint},
		{map[string]string{"TRANSFORMERS_OFFLINE": "1"}, true, DefaultEndpoint},
		// As in huggingface_hub, a set HF_HUB_OFFLINE decides even when false.
		{map[string]string{"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}, false, DefaultEndpoint},
		{map[string]string{"HF_ENDPOINT": "https://hf-mirror.example//"}, false, "https://hf-mirror.example"},
	} {
		cfg, err := ConfigFromEnv(envFrom(tc.env), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Offline != tc.offline || cfg.Endpoint != tc.wantEndpoint {
			t.Errorf("%v: Offline %v Endpoint %q, want %v %q", tc.env, cfg.Offline, cfg.Endpoint, tc.offline, tc.wantEndpoint)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hf_abcdefghijklmnop")
	c := New(Config{Token: s, Endpoint: DefaultEndpoint})
	for _, out := range []string{fmtAll(s), fmtAll(c), fmtAll(*c), fmtAll(Config{Token: s})} {
		if strings.Contains(out, "hf_abcdefghijklmnop") {
			t.Errorf("token printed: %s", out)
		}
	}
	if s.Reveal() != "hf_abcdefghijklmnop" {
		t.Error("Reveal lost the token")
	}
}
