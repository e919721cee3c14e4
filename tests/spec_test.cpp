// spec_test.cpp — the architecture spec parser: valid specs give the right layers and shapes,
// every invalid one names the offending token.
#include <gtest/gtest.h>

#include "model.h"
#include "spec.h"

using namespace dl;

TEST(Spec, ParsesTheOriginalNetwork) {
  std::vector<LayerSpec> layers;
  std::string canonical;
  ASSERT_TRUE(parse_spec("c32k5 c32k5 p2 d.25 c64k3 c64k3 p2 d.25 f256 d.5 f10", &layers, &canonical).ok());
  ASSERT_EQ(layers.size(), 11u);
  EXPECT_EQ(layers[0].type, LayerSpec::Conv);
  EXPECT_EQ(layers[0].units, 32);
  EXPECT_EQ(layers[0].kernel, 5);
  EXPECT_EQ(layers[0].pad, 2);
  EXPECT_EQ(layers[2].type, LayerSpec::Pool);
  EXPECT_FLOAT_EQ(layers[3].rate, 0.25f);
  EXPECT_EQ(canonical, "c32k5 c32k5 p2 d.25 c64k3 c64k3 p2 d.25 f256 d.5 f10");
}

TEST(Spec, PresetsAllBuild) {
  for (const Preset& p : presets()) {
    Model m;
    Status st = Model::build(p.name, 1, &m);
    ASSERT_TRUE(st.ok()) << p.name << ": " << st.message();
    EXPECT_EQ(m.output_shape(), (Shape{10, 1, 1})) << p.name;
  }
}

TEST(Spec, OptionsAndCanonicalForm) {
  std::string canonical;
  ASSERT_TRUE(parse_spec("c16k3s2p0b  p3s2 f32b d0.5 f10", nullptr, &canonical).ok());
  EXPECT_EQ(canonical, "c16k3s2p0b p3s2 f32b d.5 f10");
  Model m;
  ASSERT_TRUE(Model::build("c16k3s2p0b p3s2 f32b d0.5 f10", 1, &m).ok());
  // 28 -> (28-3)/2+1 = 13 -> (13-3)/2+1 = 6
  EXPECT_EQ(m.layer(0).out(), (Shape{16, 13, 13}));
  EXPECT_EQ(m.layer(1).kind(), LayerKind::BatchNorm);
  EXPECT_EQ(m.layer(3).out(), (Shape{16, 6, 6}));
}

TEST(Spec, ErrorsNameTheToken) {
  struct Bad {
    const char* spec;
    const char* token;
    const char* why;
  };
  const Bad cases[] = {
      {"", "", "empty"},
      {"c32 f10", "'c32'", "kernel"},
      {"c32k5 q2 f10", "'q2'", "unknown layer"},
      {"c32k5 p2 p2 p2 p2 p2 f10", "'p2'", "pooling"},
      {"c8k29 f10", "'c8k29'", "kernel"},
      {"c8k5 d1.5 f10", "'d1.5'", "dropout"},
      {"c8k5 f10 p2 f10", "'p2'", "dense"},
      {"c8k5 p2", "'p2'", "f10"},
      {"c8k5 f12", "'f12'", "f10"},
      {"c8k5x f10", "'c8k5x'", "unknown option"},
      {"c0k5 f10", "'c0k5'", "filters"},
      {"f99999999 f10", "'f99999999'", "dense"},
      {"dnan f10", "'dnan'", "dropout"},
  };
  for (const Bad& b : cases) {
    Status st = parse_spec(b.spec, nullptr);
    ASSERT_FALSE(st.ok()) << b.spec;
    EXPECT_NE(st.message().find(b.token), std::string::npos) << b.spec << " -> " << st.message();
    EXPECT_NE(st.message().find(b.why), std::string::npos) << b.spec << " -> " << st.message();
  }
}

TEST(Spec, BuildFailureLeavesModelUntouched) {
  Model m;
  ASSERT_TRUE(Model::build("R1", 3, &m).ok());
  std::vector<float> before = m.params();
  EXPECT_FALSE(Model::build("c8k5 zz f10", 3, &m).ok());
  EXPECT_EQ(m.spec(), "c8k5 p2 c16k5 p2 f10");
  EXPECT_EQ(m.params(), before);
}
