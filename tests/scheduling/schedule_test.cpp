// Schedule strings as untrusted input: each string below was accepted, or
// crashed the decoder, before it was refused with the message asserted here.
// (Round trips and the common malformed strings: tests/run/replay_test.cpp.)
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <detsim/scheduling/schedule.hpp>

namespace {

// The decoder's whole message for `text`, or "accepted".
std::string refusal(const std::string& text, std::uint64_t max_decisions = detsim::max_schedule_decisions) {
  try {
    detsim::decode_schedule(text, max_decisions);
    return "accepted";
  } catch (const detsim::ScheduleError& error) {
    return error.what();
  }
}

std::string expected(const std::string& text, const std::string& problem) {
  return "[detsim.schedule.malformed] schedule string '" + text + "': " + problem;
}

// Found by fuzzing: 23 characters claimed 134M decisions, allocated (1 GB)
// before the rest was checked; longer claims threw std::length_error.
TEST(ScheduleString, AHugeClaimIsRefusedBeforeAnythingIsAllocated) {
  EXPECT_EQ(refusal("s1.r.0.134217728._v__fw"),
            expected("s1.r.0.134217728._v__fw",
                     "claims 134217728 decisions, more than the limit of 16777216 (max_schedule_decisions)"));
  EXPECT_EQ(refusal("s1.r.0.18446744073709551615.AA"),
            expected("s1.r.0.18446744073709551615.AA",
                     "claims 18446744073709551615 decisions, more than the limit of 16777216 (max_schedule_decisions)"));
  // Within the limit, the runs are summed and checked before they are built.
  EXPECT_EQ(refusal("s1.r.0.16777216.AQ"), expected("s1.r.0.16777216.AQ", "holds 1 decisions, its count says 16777216 (cut short?)"));
  EXPECT_EQ(refusal("s1.r.0.11.FA", 10), expected("s1.r.0.11.FA", "claims 11 decisions, more than the limit of 10 (max_schedule_decisions)"));
}

TEST(ScheduleString, TheLimitItselfDecodes) {
  detsim::Schedule schedule{.scheduler = "fifo", .seed = 1, .decisions = {}};
  schedule.decisions.assign(1000, detsim::Decision{0, 0});
  schedule.decisions.back().choice = 7;
  EXPECT_EQ(detsim::decode_schedule(detsim::encode_schedule(schedule), 1000), schedule);
  EXPECT_EQ(refusal(detsim::encode_schedule(schedule), 999),
            expected("s1.fifo.1.1000.zA8N", "claims 1000 decisions, more than the limit of 999 (max_schedule_decisions)"));
}

TEST(ScheduleString, AVarintPast64BitsIsRefusedNotWrapped) {
  EXPECT_EQ(refusal("s1.r.0.1.____________Ag"), expected("s1.r.0.1.____________Ag", "a varint is longer than 64 bits"));
}

// 2^64 - 1 is odd, a choice of 2^63; (token + 1) / 2 wrapped to a choice of 0.
TEST(ScheduleString, TheLargestTokenIsAChoiceOutOfRangeNotZero) {
  EXPECT_EQ(refusal("s1.r.0.1.____________AQ"),
            expected("s1.r.0.1.____________AQ", "choice 9223372036854775808 is out of range (at most 4294967295)"));
}

TEST(ScheduleString, TwoStringsNeverDecodeToOneSchedule) {
  // "AQ" is the byte 1 and four zero bits; "AR" sets one of them.
  ASSERT_EQ(refusal("s1.r.0.1.AQ"), "accepted");
  EXPECT_EQ(refusal("s1.r.0.1.AR"), expected("s1.r.0.1.AR", "the payload's last character has bits set past its last byte"));
  EXPECT_EQ(refusal("s1.r.0.3.AQMFA"),
            expected("s1.r.0.3.AQMFA", "the payload's length 5 is not a base64url length (a character too many or too few)"));
  // 0x80 0x00: zero in two bytes.
  EXPECT_EQ(refusal("s1.r.0.1.gAA"), expected("s1.r.0.1.gAA", "a varint ends in a redundant zero byte"));
  EXPECT_EQ(refusal("s1.r.03.0."), expected("s1.r.03.0.", "seed '03' has a leading zero"));
  EXPECT_EQ(refusal("s1.r.3.01.AQ"), expected("s1.r.3.01.AQ", "decision count '01' has a leading zero"));
  // Two runs of one zero choice, which encode_schedule writes as one run of two.
  EXPECT_EQ(refusal("s1.r.3.2.AAA"),
            expected("s1.r.3.2.AAA", "not in canonical form (encode_schedule writes this schedule as 's1.r.3.2.Ag')"));
}

TEST(ScheduleString, AnEmptySchedulerNameIsRefused) {
  EXPECT_EQ(refusal("s1..3.0."), expected("s1..3.0.", "the scheduler name is empty"));
  EXPECT_EQ(refusal("s1.Random!.3.0."), expected("s1.Random!.3.0.", "bad scheduler name: character 'R' is not one of [a-z0-9_,=:-]"));
}

TEST(ScheduleString, ManyFieldsAreCountedNoFurtherThanSix) {
  const std::string text = "s1" + std::string(100'000, '.');
  const std::string message = refusal(text);
  EXPECT_NE(message.find("expected 5 fields 's1.<scheduler>.<seed>.<count>.<payload>', found more"), std::string::npos) << message;
  // The message quotes the start of the string, not all of it.
  EXPECT_NE(message.find("... (100002 characters)"), std::string::npos) << message;
  EXPECT_LT(message.size(), 400u);
}

}  // namespace
